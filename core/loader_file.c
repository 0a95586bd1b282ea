/* Reading image and module files into memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/loader.h"
#include "core/vm.h"

/* No image or module can be larger than guest RAM is sensible; this bound
 * only stops an absurd file from exhausting host memory before the loader
 * gets to say it does not fit. */
#define LOAD_FILE_MAX (1ull << 32)

static int read_all(int fd, uint8_t *buf, size_t size)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = read(fd, buf + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;    /* file shrank while being read */
		done += (size_t)n;
	}
	return 0;
}

int load_file(struct vm *vm, const char *path, uint8_t **data, size_t *size)
{
	struct stat st;
	uint8_t *buf;
	int fd, r;

	*data = NULL;
	*size = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		return vm_fail(vm, r, "%s: %s", path, strerror(-r));
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return vm_fail(vm, r, "%s: %s", path, strerror(-r));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return vm_fail(vm, -EINVAL, "%s: not a regular file", path);
	}
	if ((unsigned long long)st.st_size > LOAD_FILE_MAX) {
		close(fd);
		return vm_fail(vm, -EFBIG, "%s: file too large (%lld bytes, limit %llu)", path,
			       (long long)st.st_size, LOAD_FILE_MAX);
	}
	/* One spare byte keeps malloc(0) out of the picture for empty files. */
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return vm_fail(vm, -ENOMEM, "%s: %s", path, strerror(ENOMEM));
	}
	r = read_all(fd, buf, (size_t)st.st_size);
	close(fd);
	if (r) {
		free(buf);
		return vm_fail(vm, r, "%s: %s", path, strerror(-r));
	}
	*data = buf;
	*size = (size_t)st.st_size;
	return 0;
}
