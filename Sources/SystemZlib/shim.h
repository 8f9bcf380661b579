// zlib from the system (Debian's zlib1g-dev), for the documents the ledger stores deflated.
#include <zlib.h>
