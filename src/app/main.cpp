// strata: argument parsing and wiring only.
#include <cstdio>
int main() { std::puts("strata skeleton"); return 0; }
