# Shared by the scripts in scripts/bench. Source it, then call bench_java MAIN ARGS...
#
#   bench_build      compile main and test classes with Maven when a source is newer than them
#   bench_classpath  print a java classpath: test classes, classes, and every Maven dependency
#                    (test and provided scopes included)
#   bench_jvm_flags  print the JVM flags of the pom property spark.jvm.flags
#   bench_java       build if needed, then run java with those flags and that classpath
#
# Run directly (bash scripts/bench/common.sh), it builds if needed and prints the classpath.
# SPARKMLP_BUILD_DIR picks another Maven build directory (default: target/ of the repo), and
# MVN_FLAGS adds Maven options, e.g. MVN_FLAGS=-o to stay offline.

set -euo pipefail

BENCH_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$BENCH_REPO/scripts/lib.sh"
BENCH_BUILD_DIR="${SPARKMLP_BUILD_DIR:-$BENCH_REPO/target}"
BENCH_CP_FILE="$BENCH_BUILD_DIR/bench-classpath.txt"

bench_mvn() {
  # shellcheck disable=SC2086 # MVN_FLAGS is a list of options
  (cd "$BENCH_REPO" && mvn -B -q ${MVN_FLAGS:-} -Dsparkmlp.buildDir="$BENCH_BUILD_DIR" "$@")
}

bench_build() {
  local stamp="$BENCH_BUILD_DIR/.bench-compiled"
  if [[ ! -f "$stamp" || ! -d "$BENCH_BUILD_DIR/test-classes" ]] \
      || [[ -n "$(find "$BENCH_REPO/src" "$BENCH_REPO/pom.xml" -newer "$stamp" -print -quit)" ]]
  then
    echo "# building classes in $BENCH_BUILD_DIR" >&2
    # The stamp is taken before compiling, so an edit made during the build triggers another.
    local next="$stamp.next"
    mkdir -p "$BENCH_BUILD_DIR"
    touch "$next"
    bench_mvn test-compile >&2
    mv "$next" "$stamp"
  fi
  if [[ ! -s "$BENCH_CP_FILE" || "$BENCH_REPO/pom.xml" -nt "$BENCH_CP_FILE" ]]; then
    # includeScope=test selects every scope: compile, provided, runtime and test.
    bench_mvn dependency:build-classpath -Dmdep.includeScope=test \
      -Dmdep.outputFile="$BENCH_CP_FILE" >&2
  fi
}

bench_classpath() {
  echo "$BENCH_BUILD_DIR/test-classes:$BENCH_BUILD_DIR/classes:$(cat "$BENCH_CP_FILE")"
}

bench_jvm_flags() {
  local flags
  flags="$(sed -n 's:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p' "$BENCH_REPO/pom.xml")"
  # Huge pages as scripts/sparkmlp gives them (scripts/lib.sh).
  echo "${flags:---add-modules=jdk.incubator.vector} $(sparkmlp_thp_flag)"
}

bench_java() {
  local main="$1"
  shift
  bench_build
  local flags
  flags="$(bench_jvm_flags)"
  # shellcheck disable=SC2086 # the flags are a list
  java $flags -Dsparkmlp.benchDir="$BENCH_REPO/target/bench" ${BENCH_JAVA_OPTS:--Xmx4g} \
    -cp "$(bench_classpath)" "$main" "$@"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  bench_build
  bench_classpath
fi
