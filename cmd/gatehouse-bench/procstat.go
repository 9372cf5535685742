package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat. Linux
// reports them in USER_HZ, which is 100 on every architecture Go supports
// (sysconf(_SC_CLK_TCK) without cgo would need the auxiliary vector).
const clockTick = 10 * time.Millisecond

// processCPU is the user plus system CPU time a process has used so far.
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("procstat: %w", err)
	}
	return parseProcStat(b)
}

// parseProcStat reads utime and stime (fields 14 and 15, proc(5)) from a
// /proc/<pid>/stat line. The command name (field 2) is in parentheses and
// may itself hold spaces and parentheses, so fields are counted from the
// last ')'.
func parseProcStat(b []byte) (time.Duration, error) {
	end := bytes.LastIndexByte(b, ')')
	if end < 0 {
		return 0, errors.New("procstat: no command name in stat line")
	}
	// After ')' come field 3 (state) onwards.
	fields := bytes.Fields(b[end+1:])
	const utime, stime = 14 - 3, 15 - 3
	if len(fields) <= stime {
		return 0, fmt.Errorf("procstat: stat line has %d fields after the name, want more than %d", len(fields), stime)
	}
	var total time.Duration
	for _, i := range []int{utime, stime} {
		ticks, err := strconv.ParseUint(string(fields[i]), 10, 63)
		if err != nil {
			return 0, fmt.Errorf("procstat: field %d: %w", i+3, err)
		}
		total += time.Duration(ticks) * clockTick
	}
	return total, nil
}
