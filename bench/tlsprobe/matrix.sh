#!/bin/bash
# full matrix, 3 runs per case; results appended to results.txt
cd "$(dirname "$0")"
out=results.txt; : > $out
cases="openssl:1:keep openssl:0:keep openssl:1:free openssl:0:free openssl:1:release openssl:0:release gnutls:1:keep gnutls:0:keep wolfssl:1:keep wolfssl:0:keep wolfssl:1:free"
for N in 1000 5000; do for c in $cases; do IFS=: read lib t b <<<"$c"
  for r in 1 2 3; do echo "$(./run1.sh $lib $N $t $b) load=$(cut -d' ' -f1 /proc/loadavg)" >> $out; done
done; done
for c in openssl:1:free gnutls:1:keep wolfssl:1:keep; do IFS=: read lib t b <<<"$c"
  for r in 1 2 3; do echo "$(./run1.sh $lib 5000 $t $b MALLOC_ARENA_MAX=1) load=$(cut -d' ' -f1 /proc/loadavg)" >> $out; done
done
echo DONE >> $out
