#!/usr/bin/env bash
# Packs what laser's build needs beyond a C++ compiler, CMake and libtorch into one folder, from
# this machine's Debian packages, so that the source tree builds where no Debian package exists
# (a GPU machine with only CUDA and a Python torch: scripts/gpu-check.sh). Nothing here is
# committed: the folder is git-ignored and rebuilt from the installed packages (scripts/
# install-deps.sh) whenever they change. Contents (about 10 MiB):
#   include/   nlohmann-json, toml++, CLI11, fmt (used header-only), Eigen, PCRE2's headers
#   lib/       libpcre2-8.a (C, so no C++ ABI to match)
#   gloo/      gloo's headers, for c10d's ProcessGroupGloo declarations when the libtorch in use
#              ships none (its gloo symbols live in libtorch itself)
#   googletest/  GoogleTest's sources (Debian ships them in /usr/src), built with the project so
#              they take the libtorch's C++ ABI flag
#   toml_impl.cpp  the one translation unit that compiles toml++'s implementation
#   MANIFEST   package versions, and copyright/ the packages' licence files
# Usage: scripts/pack-deps.sh [OUT_DIR]   (default: .deps at the project root)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-.deps}"

need() {  # need FILE PACKAGE: a packaged file this bundle copies, or a one-line error
  if [ ! -e "$1" ]; then
    echo "pack-deps: $1 is missing (package $2); hint: run scripts/install-deps.sh" >&2
    exit 1
  fi
}
need /usr/include/nlohmann/json.hpp nlohmann-json3-dev
need /usr/include/toml++/toml.h libtomlplusplus-dev
need /usr/include/CLI/CLI.hpp libcli11-dev
need /usr/include/fmt/format.h libfmt-dev
need /usr/include/eigen3/Eigen/Core libeigen3-dev
need /usr/include/pcre2.h libpcre2-dev
need /usr/lib/x86_64-linux-gnu/libpcre2-8.a libpcre2-dev
need /usr/include/gloo/algorithm.h libgloo-dev
need /usr/src/googletest/CMakeLists.txt googletest

tmp="$out.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp/include" "$tmp/lib" "$tmp/gloo" "$tmp/copyright"
cp -r /usr/include/nlohmann /usr/include/toml++ /usr/include/CLI /usr/include/fmt "$tmp/include/"
mkdir -p "$tmp/include/eigen3"
cp -r /usr/include/eigen3/Eigen "$tmp/include/eigen3/"
cp /usr/include/pcre2.h "$tmp/include/"
cp /usr/lib/x86_64-linux-gnu/libpcre2-8.a "$tmp/lib/"
cp -r /usr/include/gloo "$tmp/gloo/"
cp -r /usr/src/googletest "$tmp/googletest"
printf '%s\n' "// toml++'s implementation, compiled once (written by scripts/pack-deps.sh)." \
  "#define TOML_IMPLEMENTATION" "#include <toml++/toml.h>" > "$tmp/toml_impl.cpp"

pkgs=(nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libfmt-dev libeigen3-dev libpcre2-dev libgloo-dev googletest)
{
  echo "# laser build dependencies packed by scripts/pack-deps.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  for p in "${pkgs[@]}"; do dpkg-query -W -f='${Package} ${Version}\n' "$p"; done
} > "$tmp/MANIFEST"
for p in "${pkgs[@]}"; do
  if [ -f "/usr/share/doc/$p/copyright" ]; then cp "/usr/share/doc/$p/copyright" "$tmp/copyright/$p"; fi
done

rm -rf "$out"
mv "$tmp" "$out"
echo "pack-deps: $(du -sh "$out" | cut -f1) in $out ($(wc -l < "$out/MANIFEST") lines of MANIFEST)"
