#!/usr/bin/env bash
# A one-node Slurm cluster in a directory of its own, for tests: munged,
# slurmctld and slurmd on loopback, nothing written outside DIR. Root only
# (the daemons insist). DIR/env then sets SLURM_CONF for sbatch and squeue.
#   slurm-cluster.sh start DIR     (fails if the cluster does not come up)
#   slurm-cluster.sh stop DIR
set -euo pipefail
cmd=$1 dir=$2

stop() {
  local p
  for p in slurmd slurmctld munged; do
    [ -f "$dir/$p.pid" ] && kill "$(cat "$dir/$p.pid")" 2>/dev/null || true
  done
  sleep 0.5
}

if [ "$cmd" = stop ]; then
  stop
  exit 0
fi

mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
chmod 700 "$dir/munge"
host=$(hostname -s)
# free loopback ports for the two daemons
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ctld_port=$(port) d_port=$(port)

dd if=/dev/urandom of="$dir/munge/key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/key"
munged --force --socket="$dir/munge/socket" --key-file="$dir/munge/key" \
  --pid-file="$dir/munged.pid" --log-file="$dir/munge/log" \
  --seed-file="$dir/munge/seed" 2>"$dir/munged.err" || {
  echo "munged did not start: $(cat "$dir/munged.err")" >&2
  exit 1
}

cat >"$dir/slurm.conf" <<EOF
ClusterName=sg3test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
AuthType=auth/munge
AuthInfo=socket=$dir/munge/socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
echo "export SLURM_CONF=$dir/slurm.conf" >"$dir/env"
export SLURM_CONF=$dir/slurm.conf
slurmctld -f "$SLURM_CONF" -i || { stop; exit 1; }
slurmd -f "$SLURM_CONF" || { stop; exit 1; }
# up when the node is idle
for _ in $(seq 150); do
  if sinfo -h -o %t 2>/dev/null | grep -q idle; then
    exit 0
  fi
  sleep 0.2
done
echo "the Slurm node did not come up:" >&2
tail -5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
stop
exit 1
