#!/bin/sh
# Runs in a guest restored from the running state: the counter goes on from where it was saved
# (its RAM came back, it did not boot again), and it is still counting.
set -e
saved=$(cat /run/counter-at-save)
now=$(cat /run/counter)
test "$(cat /proc/sys/kernel/random/boot_id)" = "$(cat /run/boot-id-at-save)"
sleep 0.5
later=$(cat /run/counter)
echo "saved at $saved, now $now, then $later"
test "$now" -ge "$saved"
test "$later" -gt "$now"
