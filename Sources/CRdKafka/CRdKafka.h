#ifndef QBSYNC_CRDKAFKA_H
#define QBSYNC_CRDKAFKA_H

// The mock header must follow rdkafka.h: it refuses to compile on its own.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#endif
