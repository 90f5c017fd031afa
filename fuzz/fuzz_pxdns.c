/*
 * fuzz_pxdns.c -- libFuzzer target for the proxy's stub resolver reading an answer
 * (proxy/dnsstub.h): the input is taken as a DNS response to a query for "www.a.test"
 * with ID 0x1234, for A and for AAAA, as a hostile or broken server could send it; compression loops, cut records and wrong counts must end in -1, never a read
 * outside the packet or more addresses than asked for.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "proxy/dnsstub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage out[4];
	socklen_t lens[4];
	static const uint16_t qtypes[2] = { 1, 28 };
	int i;

	for (i = 0; i < 2; i++) {
		int n = pxdns_answer(data, size, "www.a.test", qtypes[i], 0x1234, 80, out, lens, 4);

		if (n > 4 || n < -2)
			abort();
	}
	return 0;
}
