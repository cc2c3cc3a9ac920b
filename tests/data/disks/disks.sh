fail() { echo "disk '$1': $2 failed" >&2; exit 1; }
need() {
	command -v "$1" >/dev/null 2>&1 && return
	echo "disk '$3': $1 is not in the image (add $2 to image: packages:)" >&2
	exit 1
}
wait_dev() {
	udevadm settle -t 10 2>/dev/null
	for _ in $(seq 50); do [ -b "$1" ] && return; sleep 0.2; done
	echo "disk '$2': no $1 in the guest" >&2
	exit 1
}

# disk data
dev=/dev/disk/by-id/virtio-data
wait_dev "$dev" data
need sfdisk fdisk data
printf 'label: gpt\n,,V\n' | sfdisk -q "$dev" >/dev/null || fail data 'partitioning'
dev=$dev-part1
wait_dev "$dev" data
need pvcreate lvm2 data
pvcreate -q "$dev" >/dev/null && vgcreate -q data "$dev" >/dev/null || fail data 'pvcreate/vgcreate data'
lvcreate -q -y -n reports -L 536870912b data >/dev/null || fail data 'lvcreate reports'
dev=/dev/data/reports
wait_dev "$dev" data
need mkfs.ext4 e2fsprogs data
mkfs.ext4 -q "$dev" >/dev/null 2>&1 || fail data 'mkfs.ext4'
mkdir -p /srv/reports && uuid=$(blkid -s UUID -o value "$dev") && [ -n "$uuid" ] || fail data 'blkid'
printf 'UUID=%s /srv/reports ext4 defaults,nofail,x-systemd.device-timeout=10s 0 2\n' "$uuid" >>/etc/fstab
mount /srv/reports || fail data 'mount /srv/reports'

# disk logs
dev=/dev/disk/by-id/virtio-logs
wait_dev "$dev" logs
need mkfs.xfs xfsprogs logs
mkfs.xfs -q -f "$dev" >/dev/null 2>&1 || fail logs 'mkfs.xfs'
mkdir -p /var/log/app && uuid=$(blkid -s UUID -o value "$dev") && [ -n "$uuid" ] || fail logs 'blkid'
printf 'UUID=%s /var/log/app xfs defaults,nofail,x-systemd.device-timeout=10s 0 2\n' "$uuid" >>/etc/fstab
mount /var/log/app || fail logs 'mount /var/log/app'

# disk spare
dev=/dev/disk/by-id/virtio-spare
wait_dev "$dev" spare
systemctl daemon-reload 2>/dev/null || true
