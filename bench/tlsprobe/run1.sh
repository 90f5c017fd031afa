#!/bin/bash
# run1.sh LIB N TICKETS BUFMODE [ENVVAR=VAL ...]   -> one result line
cd "$(dirname "$0")"
[ -f key.pem ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem \
  -out cert.pem -days 30 -subj /CN=localhost 2>/dev/null
lib=$1 N=$2 t=$3 b=$4; shift 4
port=$((20000 + RANDOM % 20000))
coproc SRV { env "$@" ./srv_$lib $port $N $t $b 1 2>&1; }
read -r line <&${SRV[0]}; [ "$line" = READY ] || { echo "ERR $line"; exit 1; }
python3 client.py $port $((N+20)) >/dev/null 2>&1 & cpid=$!
read -r res <&${SRV[0]}
kill $cpid; wait $cpid 2>/dev/null
echo "$res $*"
