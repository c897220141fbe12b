#!/bin/sh
# Runs in the guest (copied in by the customize step): the kind of setup a test environment
# needs, done once and saved as a state. A file, a user, and a service that starts at boot.
set -e
echo "customized by cartograph" > /etc/cartograph-demo
# A user (busybox here has no adduser: the files are what it would write).
echo 'tester:x:1000:1000:tester:/home/tester:/bin/sh' >> /etc/passwd
echo 'tester:x:1000:' >> /etc/group
echo 'tester:!:19000:0:99999:7:::' >> /etc/shadow
mkdir -p /home/tester
chown 1000:1000 /home/tester
mkdir -p /srv/www
echo "hello from vm1" > /srv/www/index.html
# A service: busybox httpd on port 8080 (forwarded to the host by guest_forwards).
cat > /etc/rc.d/S50httpd <<'SERVICE'
#!/bin/sh
case "$1" in
    start) httpd -p 8080 -h /srv/www ;;
    stop) killall httpd 2>/dev/null || true ;;
esac
SERVICE
chmod 755 /etc/rc.d/S50httpd
/etc/rc.d/S50httpd start
