#!/usr/bin/env bash
# `make bench-footprint` (JVM part): the extension jar's size, the JNI library's size, and the time
# the first native call takes in a fresh JVM (class loading, extracting libgouvconnect_jni.so from
# the jar, System.load, JNI_OnLoad), median of several fresh JVMs; and the same with the library
# given by path (-Dgouvconnect.native.path: no extraction) to isolate the extraction's share.
# Usage: footprint.sh <jar> <classpath of Bench> <libgouvconnect_jni.so> [runs]
set -euo pipefail
jar=$1 cp=$2 so=$3 runs=${4:-7}
median_of() { # runs `java ARGS… Bench --load-time` $runs times; prints "median lo hi"
  local sorted
  sorted=$(set -o pipefail; for _ in $(seq "$runs"); do java "$@" -cp "$cp" Bench --load-time; done | sort -n)
  echo "$(sed -n "$(( (runs + 1) / 2 ))p" <<<"$sorted") $(head -1 <<<"$sorted") $(tail -1 <<<"$sorted")"
}
read -r jar_med jar_lo jar_hi < <(median_of)
read -r path_med path_lo path_hi < <(median_of "-Dgouvconnect.native.path=$so")
so_bytes=$(unzip -l "$jar" | awk '/libgouvconnect_jni.so$/ {print $1}')
jar_bytes=$(stat -c %s "$jar")
mib() { awk -v b="$1" 'BEGIN {printf "%.2f MiB", b / 1048576}'; }
echo "JVM $(java -version 2>&1 | head -1): first native call in a fresh JVM, median of $runs (min–max)"
printf '%-44s %s\n' "JNI load from the jar (extract + load)" "$jar_med ms ($jar_lo–$jar_hi)"
printf '%-44s %s\n' "JNI load by path (no extraction)" "$path_med ms ($path_lo–$path_hi)"
printf '%-44s %s\n' "extension jar ($(basename "$jar"))" "$(mib "$jar_bytes")"
printf '%-44s %s\n' "libgouvconnect_jni.so (in the jar)" "$(mib "$so_bytes")"
echo "BENCH jvm jni_load_ms=$jar_med jni_load_by_path_ms=$path_med jar_bytes=$jar_bytes so_bytes=$so_bytes"
