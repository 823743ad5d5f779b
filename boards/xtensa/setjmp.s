# setjmp/longjmp and a register-window spill for the windowed ABI (used by
# MicroPython's NLR_SETJMP and the GC of boards/xtensa).
#
# Only call8 callers (what LLVM emits). The frame of setjmp's caller C lives
# partly in registers; after a spill every live frame is in its stack save
# areas: C's a0-a3 in the 16 bytes below setjmp's stack pointer, C's a4-a7
# below C's caller's stack pointer (-32..-20). setjmp keeps copies of both
# (those bytes are reused once setjmp returns); longjmp spills, writes them
# back, marks only its own window live and returns from setjmp's frame, so
# that the window underflow reloads C as it was at setjmp.
#
# jmp_buf: 0 setjmp's a0, 1 setjmp's a1, 2-5 C's a0-a3, 6-9 C's a4-a7.

	.text

# Force every live register frame of the caller's chain out to the stack:
# nested call12s rotate the window by 60 registers (all 64 of an ESP32,
# twice the 32 of de233_fpu), overflowing each live frame on the way.
	.global xtensa_spill_windows
	.align 4
xtensa_spill_windows:
	entry	a1, 48			# a call12 caller: room for its a4-a11
	call12	spill_1
	retw
	.align 4
spill_1:
	entry	a1, 48
	call12	spill_2
	retw
	.align 4
spill_2:
	entry	a1, 48
	call12	spill_3
	retw
	.align 4
spill_3:
	entry	a1, 48
	call12	spill_4
	retw
	.align 4
spill_4:
	entry	a1, 48
	call12	spill_5
	retw
	.align 4
spill_5:
	entry	a1, 48
	retw

	.global setjmp
	.align 4
setjmp:
	entry	a1, 32
	movi	a8, xtensa_spill_windows
	callx8	a8
	s32i	a0, a2, 0
	s32i	a1, a2, 4
	addi	a3, a1, -16		# C's a0-a3
	l32i	a4, a3, 0
	s32i	a4, a2, 8
	l32i	a4, a3, 4
	s32i	a4, a2, 12
	l32i	a4, a3, 8
	s32i	a4, a2, 16
	l32i	a4, a3, 12
	s32i	a4, a2, 20
	l32i	a3, a2, 12		# C's a1
	addi	a3, a3, -12
	l32i	a3, a3, 0		# C's caller's a1
	addi	a3, a3, -32		# C's a4-a7
	l32i	a4, a3, 0
	s32i	a4, a2, 24
	l32i	a4, a3, 4
	s32i	a4, a2, 28
	l32i	a4, a3, 8
	s32i	a4, a2, 32
	l32i	a4, a3, 12
	s32i	a4, a2, 36
	movi	a2, 0
	retw

	.global longjmp
	.align 4
longjmp:
	entry	a1, 32
	mov	a6, a2			# env (kept over the call: a6 is not in the callee window's reach)
	mov	a7, a3			# value
	movi	a8, xtensa_spill_windows
	callx8	a8
	l32i	a4, a6, 4		# setjmp's a1
	addi	a4, a4, -16
	l32i	a5, a6, 8
	s32i	a5, a4, 0
	l32i	a5, a6, 12
	s32i	a5, a4, 4
	l32i	a5, a6, 16
	s32i	a5, a4, 8
	l32i	a5, a6, 20
	s32i	a5, a4, 12
	l32i	a4, a6, 12		# C's a1
	addi	a4, a4, -12
	l32i	a4, a4, 0		# C's caller's a1
	addi	a4, a4, -32
	l32i	a5, a6, 24
	s32i	a5, a4, 0
	l32i	a5, a6, 28
	s32i	a5, a4, 4
	l32i	a5, a6, 32
	s32i	a5, a4, 8
	l32i	a5, a6, 36
	s32i	a5, a4, 12
	rsr	a4, windowbase		# only this window stays live
	movi	a5, 1
	ssl	a4
	sll	a5, a5
	wsr	a5, windowstart
	rsync
	movi	a2, 1
	beqz	a7, 1f			# longjmp(env, 0) returns 1
	mov	a2, a7
1:	l32i	a0, a6, 0
	l32i	a1, a6, 4
	retw
