/* String instructions: MOVS, CMPS, STOS, LODS, SCAS (SDM Vol. 2, chapter 4 and "REP/REPE/REPZ/
 * REPNE/REPNZ") with every element size, DF, the address size's counter and index registers, and
 * a segment override for the source (DS:rSI may be FS:/GS:; ES:rDI cannot be overridden).
 *
 * A REP instruction is one instruction to the run loop. After every completed element (or
 * chunk of elements) RCX/RSI/RDI are updated, so a fault — or a stop request — in the middle
 * leaves them describing the iterations done and RIP at the instruction: resuming it finishes
 * the job, as on hardware.
 *
 * REP MOVS/STOS run page-sized chunks through host pointers. MOVS copies with the semantics of
 * the element-by-element loop even when source and destination overlap: a forward copy onto a
 * destination just above the source replicates the pattern (LZ77 decoders rely on that), which
 * memmove would not do. */
#include "cpu/control.h"
#include "cpu/integer.h"

static bool has_rep(const struct insn *i)
{
	return i->pfx & (PFX_REP | PFX_REPNE);
}

static uint64_t src_addr(const struct cpu *c, const struct insn *i)
{
	return ea_linear(c, i, c->r[R_SI] & size_mask(i->asz));
}

/* ES is flat in both modes. */
static uint64_t dst_addr(const struct cpu *c, const struct insn *i)
{
	return c->r[R_DI] & size_mask(i->asz);
}

/* Signed step of `count` elements in the DF direction. */
static uint64_t step(const struct cpu *c, const struct insn *i, uint64_t count)
{
	uint64_t d = count * i->osz;
	return c->rflags & FL_DF ? -d : d;
}

/* Advance an index register by `count` elements; 16- and 32-bit address sizes wrap it as SI/ESI
 * (a 32-bit write zero-extends, as any 32-bit register write does). */
static void advance(struct cpu *c, const struct insn *i, unsigned reg, uint64_t count)
{
	reg_set(c, i, reg, i->asz, c->r[reg] + step(c, i, count));
}

static uint64_t get_count(const struct cpu *c, const struct insn *i)
{
	return reg_get(c, i, R_CX, i->asz);
}

static void set_count(struct cpu *c, const struct insn *i, uint64_t count)
{
	reg_set(c, i, R_CX, i->asz, count);
}

/* Between chunks a long REP honours cpu_request_stop(), as hardware takes interrupts between
 * iterations: TRAP_STOP with the progress in the registers and RIP at the instruction. */
static void rep_poll_stop(struct cpu *c)
{
	if (unlikely(c->exit_request & EXIT_STOP)) {
		c->exit_request &= ~EXIT_STOP;
		cpu_raise(c, TRAP_STOP);
	}
}

/* ---- host chunks for REP MOVS/STOS ---- */

/* How many whole elements of size n, starting with the one at `addr` and going in the DF
 * direction, lie in addr's page (0 if that element crosses the page end). */
static uint64_t elems_in_page(uint64_t addr, unsigned n, bool down)
{
	uint64_t off = addr & GUEST_PAGE_MASK;
	if (off + n > GUEST_PAGE_SIZE)
		return 0;
	return down ? off / n + 1 : (GUEST_PAGE_SIZE - off) / n;
}

static uint8_t *host_ptr(struct cpu *c, uint64_t addr, bool write)
{
	uint8_t *p = tlb_hit(write ? c->mem->tlb_write : c->mem->tlb_read, addr, 1);
	if (likely(p != NULL))
		return p;
	struct gmem_fault f;
	p = gmem_translate(c->mem, addr, write ? GMEM_WRITE : GMEM_READ, &f);
	if (!p)
		cpu_raise_mem(c, &f);
	return p;
}

/* Copy `len` bytes as the sequential element loop would: ascending when !down, descending
 * when down. Only a destination ahead of the source in the copy direction, closer than the
 * length, sees bytes the copy itself wrote; then the copy goes in blocks no longer than that
 * distance (rounded down to whole elements, at least one element), each of which reads only
 * bytes already final. */
static void copy_sequential(uint8_t *dst, const uint8_t *src, size_t len, unsigned n, bool down)
{
	size_t dist = down ? (size_t)(src - dst) : (size_t)(dst - src);
	bool ahead = down ? dst < src : dst > src;
	if (!ahead || dist >= len) {
		memmove(dst, src, len);
		return;
	}
	size_t blk = dist >= n ? dist - dist % n : n;
	if (!down) {
		for (size_t k = 0; k < len; k += blk)
			memmove(dst + k, src + k, blk < len - k ? blk : len - k);
	} else {
		for (size_t end = len; end > 0;) {
			size_t b = blk < end ? blk : end;
			end -= b;
			memmove(dst + end, src + end, b);
		}
	}
}

/* ---- MOVS ---- */

static void movs_one(struct cpu *c, const struct insn *i)
{
	uint64_t v = cpu_read(c, src_addr(c, i), i->osz);
	cpu_write(c, dst_addr(c, i), i->osz, v);
	advance(c, i, R_SI, 1);
	advance(c, i, R_DI, 1);
}

void op_movs(struct cpu *c, const struct insn *i)
{
	if (!has_rep(i)) {
		movs_one(c, i);
		return;
	}
	unsigned n = i->osz;
	bool down = c->rflags & FL_DF;
	for (uint64_t count = get_count(c, i); count;) {
		rep_poll_stop(c);
		uint64_t s = src_addr(c, i), d = dst_addr(c, i);
		uint64_t k = elems_in_page(s, n, down), kd = elems_in_page(d, n, down);
		if (kd < k)
			k = kd;
		if (count < k)
			k = count;
		if (k <= 1) {
			/* an element crossing a page (or the last one) takes the checked path */
			movs_one(c, i);
			set_count(c, i, --count);
			continue;
		}
		/* translate at the first elements so a fault names the address hardware would */
		uint64_t lo = down ? (k - 1) * n : 0;
		const uint8_t *hs = host_ptr(c, s, false) - lo;
		uint8_t *hd = host_ptr(c, d, true) - lo;
		copy_sequential(hd, hs, k * n, n, down);
		advance(c, i, R_SI, k);
		advance(c, i, R_DI, k);
		count -= k;
		set_count(c, i, count);
	}
}

/* ---- STOS ---- */

static void fill(uint8_t *dst, uint64_t v, unsigned n, uint64_t count)
{
	if (n == 1) {
		memset(dst, (int)(v & 0xff), count);
		return;
	}
	for (uint64_t k = 0; k < count; k++)
		memcpy(dst + k * n, &v, n);
}

void op_stos(struct cpu *c, const struct insn *i)
{
	unsigned n = i->osz;
	uint64_t v = c->r[R_AX];
	if (!has_rep(i)) {
		cpu_write(c, dst_addr(c, i), n, v);
		advance(c, i, R_DI, 1);
		return;
	}
	bool down = c->rflags & FL_DF;
	for (uint64_t count = get_count(c, i); count;) {
		rep_poll_stop(c);
		uint64_t d = dst_addr(c, i);
		uint64_t k = elems_in_page(d, n, down);
		if (count < k)
			k = count;
		if (k == 0) {
			cpu_write(c, d, n, v);
			k = 1;
		} else {
			fill(host_ptr(c, d, true) - (down ? (k - 1) * n : 0), v, n, k);
		}
		advance(c, i, R_DI, k);
		count -= k;
		set_count(c, i, count);
	}
}

/* ---- LODS ---- */

void op_lods(struct cpu *c, const struct insn *i)
{
	uint64_t count = has_rep(i) ? get_count(c, i) : 1;
	for (; count; count--) {
		uint64_t v = cpu_read(c, src_addr(c, i), i->osz);
		reg_set(c, i, R_AX, i->osz, v);
		advance(c, i, R_SI, 1);
		if (has_rep(i))
			set_count(c, i, count - 1);
	}
}

/* ---- CMPS / SCAS ---- */

/* REPE stops on a difference, REPNE on equality (both also when the count runs out). */
static bool rep_stops(const struct insn *i, uint64_t a, uint64_t b)
{
	return (i->pfx & PFX_REPNE) ? a == b : a != b;
}

/* REP SCASB/CMPSB (strlen, memchr, memcmp as compilers inline them) over host pages: each
 * chunk stops after the element that ends the repeat, and the registers and flags then read as
 * after the element loop. Pages are translated before anything changes, source first as the
 * hardware reads it first. */
static void rep_scan_bytes(struct cpu *c, const struct insn *i, bool cmps)
{
	bool down = c->rflags & FL_DF, repne = i->pfx & PFX_REPNE;
	uint8_t al = (uint8_t)c->r[R_AX];
	for (uint64_t count = get_count(c, i); count;) {
		rep_poll_stop(c);
		uint64_t s = cmps ? src_addr(c, i) : 0, d = dst_addr(c, i);
		uint64_t k = elems_in_page(d, 1, down);
		if (cmps && elems_in_page(s, 1, down) < k)
			k = elems_in_page(s, 1, down);
		if (count < k)
			k = count;
		const uint8_t *hs = cmps ? host_ptr(c, s, false) : NULL;
		const uint8_t *hd = host_ptr(c, d, false);
		ptrdiff_t dir = down ? -1 : 1;
		uint64_t n = 0;
		uint8_t a, b;
		bool stop;
		do {
			a = cmps ? hs[dir * (ptrdiff_t)n] : al;
			b = hd[dir * (ptrdiff_t)n];
			n++;
			stop = repne ? a == b : a != b;
		} while (!stop && n < k);
		flags_lazy(c, LF_SUB, 1, (uint64_t)a - b, a, b);
		if (cmps)
			advance(c, i, R_SI, n);
		advance(c, i, R_DI, n);
		count -= n;
		set_count(c, i, count);
		if (stop)
			break;
	}
}

/* CMPS compares [rSI] with ES:[rDI]: the flags of [rSI] - [rDI]. */
void op_cmps(struct cpu *c, const struct insn *i)
{
	unsigned n = i->osz;
	bool rep = has_rep(i);
	if (rep && n == 1) {
		rep_scan_bytes(c, i, true);
		return;
	}
	for (uint64_t count = rep ? get_count(c, i) : 1; count; count--) {
		uint64_t a = cpu_read(c, src_addr(c, i), n);
		uint64_t b = cpu_read(c, dst_addr(c, i), n);
		flags_lazy(c, LF_SUB, n, a - b, a, b);
		advance(c, i, R_SI, 1);
		advance(c, i, R_DI, 1);
		if (!rep)
			break;
		set_count(c, i, count - 1);
		if (rep_stops(i, a, b))
			break;
	}
}

/* SCAS compares rAX with ES:[rDI]. */
void op_scas(struct cpu *c, const struct insn *i)
{
	unsigned n = i->osz;
	uint64_t a = c->r[R_AX] & size_mask(n);
	bool rep = has_rep(i);
	if (rep && n == 1) {
		rep_scan_bytes(c, i, false);
		return;
	}
	for (uint64_t count = rep ? get_count(c, i) : 1; count; count--) {
		uint64_t b = cpu_read(c, dst_addr(c, i), n);
		flags_lazy(c, LF_SUB, n, a - b, a, b);
		advance(c, i, R_DI, 1);
		if (!rep)
			break;
		set_count(c, i, count - 1);
		if (rep_stops(i, a, b))
			break;
	}
}
