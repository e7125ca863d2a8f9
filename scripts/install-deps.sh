#!/usr/bin/env bash
# Installs the system packages FractalAD needs when any is missing (Debian/Ubuntu). Safe to run repeatedly.
set -euo pipefail
packages=(ocl-icd-opencl-dev opencl-headers libpng-dev pocl-opencl-icd)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing missing system packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
