/* CPU benchmark kernels, built freestanding into one flat position-independent blob that runs
 * both natively and in the interpreter (tests/bench/bench_cpu.c). No library calls, no
 * relocations: every entry is `uint64_t kernel(uint64_t n, uint8_t *scratch)` and returns a
 * checksum. The blob starts with a table of 8-byte-aligned jumps, one per kernel. */
typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned char u8;

__asm__(".section .entry, \"ax\"\n"
	".p2align 3\n jmp k_sha256\n"
	".p2align 3\n jmp k_sort\n"
	".p2align 3\n jmp k_strings\n"
	".p2align 3\n jmp k_nbody\n"
	".p2align 3\n jmp k_fib\n"
	".p2align 3\n jmp k_memops\n"
	".p2align 3\n .text\n");

#define KERNEL __attribute__((used, noinline, visibility("hidden"))) u64

static u64 lcg(u64 *s)
{
	*s = *s * 6364136223846793005ul + 1442695040888963407ul;
	return *s >> 33;
}

/* ---- sha256 (FIPS 180-4) over an n-KiB message, chained 8 times ---- */
static const u32 K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static u32 ror(u32 x, int n)
{
	return x >> n | x << (32 - n);
}

static void sha256_block(u32 h[8], const u8 *p)
{
	u32 w[64];
	for (int i = 0; i < 16; i++)
		w[i] = (u32)p[4 * i] << 24 | (u32)p[4 * i + 1] << 16 | (u32)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		u32 s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		u32 s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	u32 a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (int i = 0; i < 64; i++) {
		u32 t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		u32 t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

KERNEL k_sha256(u64 n, u8 *buf)
{
	u64 len = n * 1024, s = 1;
	for (u64 i = 0; i < len; i++)
		buf[i] = (u8)lcg(&s);
	u32 h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	for (int round = 0; round < 8; round++) {
		for (u64 off = 0; off < len; off += 64)
			sha256_block(h, buf + off);
		for (int i = 0; i < 8; i++) /* chain: the digest feeds the next pass */
			buf[i] ^= (u8)h[i];
	}
	u64 sum = 0;
	for (int i = 0; i < 8; i++)
		sum = sum * 31 + h[i];
	return sum;
}

/* ---- bottom-up merge sort of n ints ---- */
KERNEL k_sort(u64 n, u8 *buf)
{
	int *a = (int *)buf, *tmp = a + n;
	u64 s = 7;
	for (u64 i = 0; i < n; i++)
		a[i] = (int)lcg(&s) - (1 << 30);
	for (u64 width = 1; width < n; width *= 2) {
		for (u64 lo = 0; lo < n; lo += 2 * width) {
			u64 mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
			u64 i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
			while (i < mid)
				tmp[k++] = a[i++];
			while (j < hi)
				tmp[k++] = a[j++];
		}
		int *t = a;
		a = tmp, tmp = t;
	}
	u64 sum = 0;
	for (u64 i = 0; i < n; i++)
		sum = sum * 3 + (u64)(long)a[i] * (i + 1);
	return sum;
}

/* ---- string search: strlen / strchr / strcmp / strstr loops ---- */
static u64 my_strlen(const char *s)
{
	const char *p = s;
	while (*p)
		p++;
	return (u64)(p - s);
}

static const char *my_strchr(const char *s, int c)
{
	for (; *s; s++)
		if (*s == (char)c)
			return s;
	return 0;
}

static int my_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (u8)*a - (u8)*b;
}

static const char *my_strstr(const char *h, const char *n)
{
	for (; *h; h++) {
		const char *x = h, *y = n;
		while (*y && *x == *y)
			x++, y++;
		if (!*y)
			return h;
	}
	return 0;
}

KERNEL k_strings(u64 n, u8 *buf)
{
	char *text = (char *)buf;
	u64 len = 64 * 1024, s = 3, sum = 0;
	static const char alphabet[] = "abcde fgh";
	for (u64 i = 0; i < len; i++)
		text[i] = alphabet[lcg(&s) % 9];
	text[len] = 0;
	for (u64 r = 0; r < n; r++) {
		sum += my_strlen(text + r % 64);
		for (const char *p = text; (p = my_strchr(p, 'h' - (int)(r % 8))); p++)
			sum++;
		char pat[4] = {(char)('a' + r % 5), (char)('b' + r % 3), (char)('c' + r % 4), 0};
		for (const char *p = text; (p = my_strstr(p, pat)); p++)
			sum += 3;
		for (const char *p = text; *p; p++) /* compare each word with the next one */
			if (*p == ' ' && p[1])
				sum += my_strcmp(p + 1, p + 9) < 0;
	}
	return sum;
}

/* ---- n-body (double precision), n steps of five bodies ---- */
struct body {
	double x, y, z, vx, vy, vz, m;
};

KERNEL k_nbody(u64 n, u8 *buf)
{
	const double pi = 3.141592653589793, solar = 4 * pi * pi, days = 365.24;
	struct body *b = (struct body *)buf;
	static const double init[5][7] = {
		{0, 0, 0, 0, 0, 0, 1},
		{4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
		 1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05, 9.54791938424326609e-04},
		{8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
		 -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05, 2.85885980666130812e-04},
		{1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
		 2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05, 4.36624404335156298e-05},
		{1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
		 2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05, 5.15138902046611451e-05},
	};
	for (int i = 0; i < 5; i++) {
		b[i] = (struct body){init[i][0], init[i][1], init[i][2], init[i][3] * days, init[i][4] * days,
				     init[i][5] * days, init[i][6] * solar};
	}
	for (u64 step = 0; step < n; step++) {
		for (int i = 0; i < 5; i++)
			for (int j = i + 1; j < 5; j++) {
				double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
				double d2 = dx * dx + dy * dy + dz * dz;
				double mag = 0.01 / (d2 * __builtin_sqrt(d2));
				b[i].vx -= dx * b[j].m * mag, b[i].vy -= dy * b[j].m * mag, b[i].vz -= dz * b[j].m * mag;
				b[j].vx += dx * b[i].m * mag, b[j].vy += dy * b[i].m * mag, b[j].vz += dz * b[i].m * mag;
			}
		for (int i = 0; i < 5; i++)
			b[i].x += 0.01 * b[i].vx, b[i].y += 0.01 * b[i].vy, b[i].z += 0.01 * b[i].vz;
	}
	double e = 0;
	for (int i = 0; i < 5; i++)
		e += b[i].x + b[i].y * 3 + b[i].z * 7 + b[i].vx;
	union { double d; u64 u; } v = {e};
	return v.u;
}

/* ---- fib: call-heavy recursion ---- */
static __attribute__((noinline)) u64 fib(u64 n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

KERNEL k_fib(u64 n, u8 *buf)
{
	(void)buf;
	return fib(n);
}

/* ---- memops: memset / memcpy loops over 1 MiB, n passes ---- */
static void my_memset(u8 *d, int c, u64 n)
{
	u64 v = (u8)c * 0x0101010101010101ul;
	for (; n >= 8; n -= 8, d += 8)
		*(u64 *)d = v;
	while (n--)
		*d++ = (u8)c;
}

static void my_memcpy(u8 *d, const u8 *s, u64 n)
{
	for (; n >= 8; n -= 8, d += 8, s += 8)
		*(u64 *)d = *(const u64 *)s;
	while (n--)
		*d++ = *s++;
}

KERNEL k_memops(u64 n, u8 *buf)
{
	const u64 size = 1 << 20;
	u8 *a = buf, *b = buf + size;
	u64 sum = 0;
	for (u64 r = 0; r < n; r++) {
		my_memset(a + r % 7, (int)r, size - 7);
		my_memcpy(b + r % 5, a + r % 3, size - 8);
		sum += b[r % size] + a[(r * 7919) % size];
	}
	return sum;
}
