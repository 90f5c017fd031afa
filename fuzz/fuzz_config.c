/*
 * fuzz_config.c -- libFuzzer target for the configuration reader (config.c over
 * libinih): the input is the INI file. Whatever it holds, loading either succeeds or
 * fails with a message; printing the result must work.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "fuzz_file.h"
#include "core/service/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct isp_config c;
	struct isp_err e;
	char path[64];
	FILE *devnull;
	int fd = fuzz_file(data, size, path);

	if (fd < 0)
		return 0;
	config_defaults(&c);
	isp_err_clear(&e);
	if (config_load(&c, path, &e) == 0) {
		devnull = fopen("/dev/null", "w");
		if (devnull) {
			config_print(&c, devnull);
			fclose(devnull);
		}
	}
	close(fd);
	return 0;
}
