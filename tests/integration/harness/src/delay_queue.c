/* regent_test_delay_queue QUEUE_NUM DELAY_MS: holds every packet that iptables sends to
 * NFQUEUE number QUEUE_NUM for DELAY_MS milliseconds, then lets it through, in arrival order.
 *
 * netns_lab's `degrade` uses it where the kernel has no `netem` qdisc (a trimmed VM kernel):
 * it runs inside the degraded host's network namespace, next to iptables rules
 * `-j NFQUEUE --queue-num QUEUE_NUM --queue-bypass` (packets pass undelayed when it is not
 * running). Only packet metadata is copied to user space. Prints "ready" on stdout once bound.
 * Exits on SIGTERM/SIGKILL; the kernel then lets the held packets through with the bypass. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define CAPACITY 65536

static uint32_t ids[CAPACITY];
static int64_t due[CAPACITY];
static size_t head, count;
static int64_t delay_ns;

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int on_packet(struct nfq_q_handle* qh, struct nfgenmsg* msg, struct nfq_data* nfa, void* data) {
  (void)msg;
  (void)data;
  struct nfqnl_msg_packet_hdr* ph = nfq_get_msg_packet_hdr(nfa);
  if (!ph) return 0;
  uint32_t id = ntohl(ph->packet_id);
  if (count == CAPACITY) return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL); /* full: no delay */
  size_t at = (head + count) % CAPACITY;
  ids[at] = id;
  due[at] = now_ns() + delay_ns;
  ++count;
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s QUEUE_NUM DELAY_MS\n", argv[0]);
    return 2;
  }
  int queue = atoi(argv[1]);
  delay_ns = (int64_t)atoi(argv[2]) * 1000000;
  struct nfq_handle* h = nfq_open();
  if (!h) {
    perror("nfq_open");
    return 1;
  }
  struct nfq_q_handle* qh = nfq_create_queue(h, (uint16_t)queue, &on_packet, NULL);
  if (!qh) {
    perror("nfq_create_queue");
    return 1;
  }
  if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) {
    perror("nfq_set_mode");
    return 1;
  }
  nfq_set_queue_maxlen(qh, CAPACITY);
  int fd = nfq_fd(h);
  printf("ready\n");
  fflush(stdout);
  char buf[65536] __attribute__((aligned));
  for (;;) {
    int timeout = -1;
    if (count > 0) {
      int64_t left = due[head] - now_ns();
      timeout = left <= 0 ? 0 : (int)(left / 1000000) + 1;
    }
    struct pollfd p = {fd, POLLIN, 0};
    int n = poll(&p, 1, timeout);
    if (n < 0 && errno != EINTR) {
      perror("poll");
      return 1;
    }
    if (n > 0) {
      ssize_t got = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (got > 0) nfq_handle_packet(h, buf, (int)got);
      /* ENOBUFS: the kernel dropped packets that overflowed the socket: a lossy link, go on */
    }
    int64_t t = now_ns();
    while (count > 0 && due[head] <= t) {
      nfq_set_verdict(qh, ids[head], NF_ACCEPT, 0, NULL);
      head = (head + 1) % CAPACITY;
      --count;
    }
  }
}
