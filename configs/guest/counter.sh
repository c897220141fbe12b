#!/bin/sh
# Runs in the guest before its running state is saved: a process that counts in RAM (/run is
# a tmpfs, gone at a reboot) and notes of what the guest was when the state was saved.
# setsid: a session of its own, so it outlives the command that started it.
setsid sh -c 'i=0; while :; do i=$((i + 1)); echo $i > /run/counter; sleep 0.2; done' \
    </dev/null >/dev/null 2>&1 &
cat /proc/sys/kernel/random/boot_id > /run/boot-id-at-save
sleep 1
cat /run/counter > /run/counter-at-save
echo "counting: $(cat /run/counter-at-save)"
