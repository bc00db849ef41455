#!/usr/bin/env bash
# Fuzzes one target of KafkaTyped.Fuzzing with AFL++ over a SharpFuzz-instrumented build (docs/reliability.md#fuzzing).
#
#   tests/KafkaTyped.Fuzzing/fuzz.sh <target|all> [seconds per target, default 300] [work dir, default /tmp/kafkatyped-fuzz]
#
# Installs what is missing (afl++ from Debian, the SharpFuzz.CommandLine dotnet tool into the work dir), builds the
# harness, copies it, instruments the copy, writes a seed corpus of valid encodings and runs afl-fuzz for the given
# time. It prints one line per target (execs, run time, crashes, hangs) and exits 1 when any target has a crash or a
# hang; the inputs are under <work dir>/<target>/out/default/{crashes,hangs}. Replay one with
#   dotnet <work dir>/build/KafkaTyped.Fuzzing.dll replay <target> <file>
# and turn it into a regression case in tests/KafkaTyped.Generators.Tests (HostileBytesTests).
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:?usage: fuzz.sh <target|all> [seconds] [work dir]}
seconds=${2:-300}
work=${3:-/tmp/kafkatyped-fuzz}
sharpfuzz_version=2.3.0

if ! command -v afl-fuzz >/dev/null; then
  apt-get install -y afl++ >/dev/null || { apt-get update >/dev/null && apt-get install -y afl++ >/dev/null; }
fi
mkdir -p "$work"
if [ ! -x "$work/tools/sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --version "$sharpfuzz_version" --tool-path "$work/tools" >/dev/null
fi

dotnet build tests/KafkaTyped.Fuzzing -c Release -o "$work/build" >/dev/null
rm -rf "$work/bin" && cp -r "$work/build" "$work/bin"
# The code under test: the generated serializers, the runtime (KafkaSerializer, the header reader's dependencies) and
# MessagePack's reader, which the generated code reads through.
for assembly in KafkaTyped.Fuzzing.Targets.dll KafkaTyped.dll MessagePack.dll; do
  "$work/tools/sharpfuzz" "$work/bin/$assembly" >/dev/null
done

if [ "$target" = all ]; then
  mapfile -t targets < <(dotnet "$work/build/KafkaTyped.Fuzzing.dll" list)
else
  targets=("$target")
fi

export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
status=0
for t in "${targets[@]}"; do
  rm -rf "$work/$t" && mkdir -p "$work/$t"
  # The instrumented copy runs only under afl-fuzz (it writes to the shared coverage map); the rest uses the build.
  dotnet "$work/build/KafkaTyped.Fuzzing.dll" seeds "$t" "$work/$t/in"
  # -t: a hang is an input that takes more than 5 s (the machine is shared; a normal input takes well under 1 ms).
  afl-fuzz -i "$work/$t/in" -o "$work/$t/out" -t 5000 -m none -V "$seconds" -- \
    dotnet "$work/bin/KafkaTyped.Fuzzing.dll" afl "$t" >"$work/$t/afl.log" 2>&1 || true
  stats="$work/$t/out/default/fuzzer_stats"
  if [ ! -f "$stats" ]; then
    echo "$t: afl-fuzz did not start; see $work/$t/afl.log" >&2
    tail -20 "$work/$t/afl.log" >&2
    status=1
    continue
  fi
  value() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
  crashes=$(value saved_crashes)
  hangs=$(value saved_hangs)
  echo "$t: $(value execs_done) execs in $(value run_time) s, $(value corpus_count) corpus entries, $crashes crashes, $hangs hangs"
  if [ "${crashes:-0}" != 0 ] || [ "${hangs:-0}" != 0 ]; then
    status=1
  fi
done
exit "$status"
