/*
 * rx_bench: the C baseline for the shim-call cost (scripts/bench-shim.sh).
 *
 * The same EAL line, port, pool and loop as `Synthex.Dpdk.Smoke --bench`, but calling DPDK's
 * static-inline rte_eth_rx_burst directly, as DPDK's own examples do: the difference between
 * the two is what one sx_eth_rx_burst call from C# costs per burst.
 *
 *   rx_bench BURSTS [--huge] [--file-prefix P]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#define BURST 32
#define POOL_SIZE 4095 /* 2^n - 1, as in the C# smoke program */
#define POOL_CACHE 256

static void fail(const char *step, int err)
{
	fprintf(stderr, "rx_bench: FAILED at %s: %s\n", step, rte_strerror(err));
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long bursts = argc > 1 ? atol(argv[1]) : 1000000;
	int huge = 0;
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "synthex-rx-bench-%d", (int)getpid());
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--huge") == 0)
			huge = 1;
		else if (strcmp(argv[i], "--file-prefix") == 0 && i + 1 < argc)
			snprintf(prefix, sizeof(prefix), "%s", argv[++i]);
	}

	/* The EAL line of NullPortSession (tests/Synthex.Dpdk.Smoke/EalArguments.cs). */
	char *eal[16];
	int eal_argc = 0;
	eal[eal_argc++] = "rx_bench";
	eal[eal_argc++] = "-l";
	eal[eal_argc++] = "0";
	eal[eal_argc++] = "--no-pci";
	if (huge) {
		eal[eal_argc++] = "--in-memory";
	} else {
		eal[eal_argc++] = "--no-huge"; /* 22.11: --no-huge implies legacy memory, which --in-memory refuses */
		eal[eal_argc++] = "--no-shconf";
	}
	eal[eal_argc++] = "--vdev";
	eal[eal_argc++] = "net_null0";
	eal[eal_argc++] = "--file-prefix";
	eal[eal_argc++] = prefix;
	eal[eal_argc] = NULL;
	if (rte_eal_init(eal_argc, eal) < 0)
		fail("rte_eal_init", rte_errno);

	uint16_t port;
	if (rte_eth_dev_get_port_by_name("net_null0", &port) != 0)
		fail("rte_eth_dev_get_port_by_name", ENODEV);
	int socket = rte_eth_dev_socket_id(port);
	struct rte_mempool *pool = rte_pktmbuf_pool_create("bench_pool", POOL_SIZE, POOL_CACHE, 0,
							   RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (pool == NULL)
		fail("rte_pktmbuf_pool_create", rte_errno);
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	int rc;
	uint16_t nb_rxd = 1024, nb_txd = 1024;
	if ((rc = rte_eth_dev_configure(port, 1, 1, &conf)) < 0)
		fail("rte_eth_dev_configure", -rc);
	if ((rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd)) < 0)
		fail("rte_eth_dev_adjust_nb_rx_tx_desc", -rc);
	if ((rc = rte_eth_rx_queue_setup(port, 0, nb_rxd, socket, NULL, pool)) < 0)
		fail("rte_eth_rx_queue_setup", -rc);
	if ((rc = rte_eth_tx_queue_setup(port, 0, nb_txd, socket, NULL)) < 0)
		fail("rte_eth_tx_queue_setup", -rc);
	if ((rc = rte_eth_dev_start(port)) < 0)
		fail("rte_eth_dev_start", -rc);

	struct rte_mbuf *pkts[BURST];
	for (long i = 0; i < bursts / 10; i++) /* warm-up, as the C# side does */
		rte_pktmbuf_free_bulk(pkts, rte_eth_rx_burst(port, 0, pkts, BURST));

	long packets = 0;
	double start = now_ns();
	for (long i = 0; i < bursts; i++) {
		uint16_t n = rte_eth_rx_burst(port, 0, pkts, BURST);
		packets += n;
		rte_pktmbuf_free_bulk(pkts, n);
	}
	double elapsed = now_ns() - start;

	printf("bench: impl=c-inline burst=%d bursts=%ld packets=%ld ns_per_burst=%.1f\n",
	       BURST, bursts, packets, elapsed / bursts);

	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return 0;
}
