# Shared by the scripts: build on demand and the JVM flags Spark's launcher would pass.

# The --add-opens list of Spark's JavaModuleOptions plus the Vector API module (see pom.xml).
sparkmlp_jvm_flags() {
  echo "-XX:+IgnoreUnrecognizedVMOptions --add-modules=jdk.incubator.vector \
--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
--add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
--add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED \
--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED \
--add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED \
--add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false \
-Dio.netty.tryReflectionSetAccessible=true $(sparkmlp_thp_flag)"
}

# -XX:+UseTransparentHugePages where the kernel gives transparent huge pages on request (mode
# "always" or "madvise"; the JVM warns when asked for them elsewhere): the heap's large float
# arrays then sit on 2 MiB pages. Training on 784-128x4-10 ran 25-31% faster with them on the
# 2-core Xeon (README, "Benchmarks"); numpy's OpenBLAS, the kernel bench's peer, already uses them.
sparkmlp_thp_flag() {
  local f=/sys/kernel/mm/transparent_hugepage/enabled
  if [ -r "$f" ] && grep -q '\[always\]\|\[madvise\]' "$f"; then
    echo "-XX:+UseTransparentHugePages"
  fi
}

# Compiles main (and, with "test", test) classes and writes target/classpath.txt when the pom or a
# source is newer than the last build. Maven output goes to target/build.log unless it fails.
sparkmlp_build() {
  local root="$1"
  local what="${2:-main}"
  local stamp="$root/target/.build-$what"
  command -v mvn >/dev/null || { echo "sparkmlp: Maven (mvn) is required: apt-get install -y maven" >&2; exit 2; }
  if [ -f "$stamp" ] && [ -f "$root/target/classpath.txt" ] \
     && [ -z "$(find "$root/pom.xml" "$root/src/main" "$root/conf/reference.conf" $([ "$what" = test ] && echo "$root/src/test") \
                -newer "$stamp" -print -quit 2>/dev/null)" ]; then
    return 0
  fi
  local goal=compile
  [ "$what" = test ] && goal=test-compile
  echo "sparkmlp: building ($goal)..." >&2
  mkdir -p "$root/target"
  if ! (cd "$root" && mvn -B -q $goal dependency:build-classpath -Dmdep.outputFile=target/classpath.txt \
          >"$root/target/build.log" 2>&1); then
    cat "$root/target/build.log" >&2
    echo "sparkmlp: build failed" >&2
    exit 2
  fi
  touch "$stamp"
}
