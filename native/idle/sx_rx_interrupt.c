/* Hand-written (not generated): the RX-interrupt wait of `--idle interrupt`, DPDK's
 * examples/l3fwd-power in three calls. The sequence (enable, re-check, epoll, disable) is one
 * native call per idle wait rather than four P/Invokes and a struct binding for
 * rte_epoll_event; it runs only after a long run of empty polls, never per packet or burst.
 *
 * Every function works on the calling thread's own epoll instance (RTE_EPOLL_PER_THREAD):
 * sx_rx_intr_register and sx_rx_intr_wait must run on the worker thread that polls the queues.
 * Return values are DPDK's: 0 or more on success, a negative errno on failure. */

#include <errno.h>

#include <rte_ethdev.h>
#include <rte_epoll.h>
#include <rte_interrupts.h>

#define SX_EXPORT __attribute__((visibility("default")))

/* Events one wait collects at most: a worker's queues wake it together, one is enough to
 * know it must poll them all. */
#define SX_RX_INTR_EVENTS 8

/* Whether the port's RX queue has an interrupt to sleep on (configured with intr_conf.rxq = 1
 * and started): it has an event file descriptor. Reads only; the thread's epoll instance is
 * left alone. net_tap, virtio-user and real NICs have one; net_null, net_ring, net_pcap and
 * memif have none (no interrupt handle or vector): -ENOTSUP. */
SX_EXPORT int sx_rx_intr_supported(uint16_t port_id, uint16_t queue_id)
{
	return rte_eth_dev_rx_intr_ctl_q_get_fd(port_id, queue_id) >= 0 ? 0 : -ENOTSUP;
}

/* Adds the queue's interrupt event to the calling thread's epoll instance, once per queue
 * (l3fwd-power's event_register). */
SX_EXPORT int sx_rx_intr_register(uint16_t port_id, uint16_t queue_id)
{
	uintptr_t data = ((uintptr_t)port_id << 16) | queue_id;
	return rte_eth_dev_rx_intr_ctl_q(port_id, queue_id, RTE_EPOLL_PER_THREAD,
					 RTE_INTR_EVENT_ADD, (void *)data);
}

/* Enabling is arming the device to interrupt; drivers whose interrupt needs no arming (net_tap:
 * the queue's file descriptor) answer -ENOTSUP, as l3fwd-power, which ignores the answer, expects. */
static int sx_rx_intr_arm(uint16_t port_id, uint16_t queue_id, int on)
{
	int rc = on ? rte_eth_dev_rx_intr_enable(port_id, queue_id)
		    : rte_eth_dev_rx_intr_disable(port_id, queue_id);
	return rc == -ENOTSUP ? 0 : rc;
}

static void sx_rx_intr_disable_all(const uint16_t *ports, const uint16_t *queues, uint16_t count)
{
	for (uint16_t i = 0; i < count; i++)
		sx_rx_intr_arm(ports[i], queues[i], 0);
}

/* One idle wait over the worker's `count` queues: enable their interrupts; re-check the
 * queues (a packet that came between the last empty poll and the enable raised no
 * interrupt on drivers that arm one: wait only when none is there, as far as the driver can
 * count); sleep in epoll for at most timeout_ms; disable the interrupts again (polling takes
 * over). Returns the events that woke it (0: the timeout passed or a packet was already
 * there) or a negative errno when an interrupt could not be enabled. */
SX_EXPORT int sx_rx_intr_wait(const uint16_t *ports, const uint16_t *queues, uint16_t count, int timeout_ms)
{
	for (uint16_t i = 0; i < count; i++) {
		int rc = sx_rx_intr_arm(ports[i], queues[i], 1);
		if (rc < 0) {
			sx_rx_intr_disable_all(ports, queues, i);
			return rc;
		}
	}
	/* rte_eth_rx_queue_count answers -ENOTSUP on drivers that cannot count (net_tap): there
	 * the interrupt is the queue's file descriptor, registered once (edge-triggered), and
	 * every packet the kernel queues on it marks the epoll instance ready until a wait
	 * collects it, so a packet that came after the last poll still ends the wait at once. */
	for (uint16_t i = 0; i < count; i++) {
		if (rte_eth_rx_queue_count(ports[i], queues[i]) > 0) {
			sx_rx_intr_disable_all(ports, queues, count);
			return 0;
		}
	}
	struct rte_epoll_event events[SX_RX_INTR_EVENTS];
	int n = rte_epoll_wait(RTE_EPOLL_PER_THREAD, events, SX_RX_INTR_EVENTS, timeout_ms);
	sx_rx_intr_disable_all(ports, queues, count);
	return n < 0 ? 0 : n; /* an epoll error is retried by the next wait: the timeout bounds it */
}
