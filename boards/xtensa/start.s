# Start-up and exception vectors for bare-metal ESP32 code (llc -mcpu=esp32,
# windowed ABI) on QEMU's de233_fpu core (qemu-system-xtensa -M sim).
#
# - reset: the sim machine starts at the core's reset vector 0xfe000000 (it
#   ignores the ELF entry), which jumps to _start;
# - window overflow/underflow vectors: spill and reload register frames to
#   and from the stack save areas the windowed ABI defines (base save area:
#   the 16 bytes below the callee's stack pointer; extra save area of a
#   call8/call12 frame: below the caller's caller's stack pointer);
# - user exception vector: de233_fpu lacks the MUL32_HIGH option that the
#   ESP32 has, so `mulsh`/`muluh` (emitted by llc for division by a constant)
#   raise IllegalInstruction; the handler computes the instruction's result
#   and returns after it. A level-1 interrupt (the wait timer) is masked
#   again. Anything else ends QEMU with status 100 + EXCCAUSE.
# Exit and console output use the simulator's `simcall` (a2 = call number),
# which llvm-mc does not know by name: it is written as bytes.

	.macro simcall
	.byte 0x00, 0x51, 0x00
	.endm

	.section .vectors, "ax"
	.global _vectors
	.align 4
_vectors:
	# window overflow 4
	s32e	a0, a5, -16
	s32e	a1, a5, -12
	s32e	a2, a5, -8
	s32e	a3, a5, -4
	rfwo
	.org 0x40	# window underflow 4
	l32e	a0, a5, -16
	l32e	a1, a5, -12
	l32e	a2, a5, -8
	l32e	a3, a5, -4
	rfwu
	.org 0x80	# window overflow 8
	s32e	a0, a9, -16
	l32e	a0, a1, -12
	s32e	a1, a9, -12
	s32e	a2, a9, -8
	s32e	a3, a9, -4
	s32e	a4, a0, -32
	s32e	a5, a0, -28
	s32e	a6, a0, -24
	s32e	a7, a0, -20
	rfwo
	.org 0xc0	# window underflow 8
	l32e	a0, a9, -16
	l32e	a1, a9, -12
	l32e	a2, a9, -8
	l32e	a7, a1, -12
	l32e	a3, a9, -4
	l32e	a4, a7, -32
	l32e	a5, a7, -28
	l32e	a6, a7, -24
	l32e	a7, a7, -20
	rfwu
	.org 0x100	# window overflow 12
	s32e	a0, a13, -16
	l32e	a0, a1, -12
	s32e	a1, a13, -12
	s32e	a2, a13, -8
	s32e	a3, a13, -4
	s32e	a4, a0, -48
	s32e	a5, a0, -44
	s32e	a6, a0, -40
	s32e	a7, a0, -36
	s32e	a8, a0, -32
	s32e	a9, a0, -28
	s32e	a10, a0, -24
	s32e	a11, a0, -20
	rfwo
	.org 0x140	# window underflow 12
	l32e	a0, a13, -16
	l32e	a1, a13, -12
	l32e	a2, a13, -8
	l32e	a11, a1, -12
	l32e	a3, a13, -4
	l32e	a4, a11, -48
	l32e	a5, a11, -44
	l32e	a6, a11, -40
	l32e	a7, a11, -36
	l32e	a8, a11, -32
	l32e	a9, a11, -28
	l32e	a10, a11, -24
	l32e	a11, a11, -20
	rfwu
	.org 0x300	# kernel exception: never expected
	movi	a3, 98
	j	exit_a3
	.org 0x340	# user exception
	wsr	a2, excsave1
	j	user_exception
	.org 0x3c0	# double exception
	movi	a3, 99
exit_a3:
	movi	a2, 1
	simcall

	.text
	.global _start
	.align 4
_start:
	movi	a0, _vectors
	wsr	a0, vecbase
	movi	a0, 1
	wsr	a0, windowstart
	movi	a0, 0
	wsr	a0, windowbase
	wsr	a0, intenable
	rsync
	movi	a0, 1		# coprocessor 0: the FPU
	wsr	a0, cpenable
	movi	a0, 0x00040020	# PS: WOE (windowed calls), UM, interrupt level 0
	wsr	a0, ps
	rsync
	movi	a2, _sbss	# zero .bss
	movi	a3, _ebss
1:	bgeu	a2, a3, 2f
	movi	a4, 0
	s32i	a4, a2, 0
	addi	a2, a2, 4
	j	1b
2:	movi	a1, _stack_top
	mov	a5, a1
	movi	a4, main
	callx4	a4
	mov	a3, a6		# main's return value: the exit status
	movi	a2, 1
	simcall

	.align 4
user_exception:
	rsr	a2, exccause
	beqz	a2, emulate
	beqi	a2, 4, level1
	mov	a3, a2
	addi	a3, a3, 100
	j	exit_a3
level1:			# the wait timer: mask it again
	movi	a2, 0
	wsr	a2, intenable
	rsync
	rsr	a2, excsave1
	rfe

# Emulate mulsh/muluh: RRR format, op0 = 0, op1 = 2, op2 = 0xb (mulsh) or
# 0xa (muluh); ar = high 32 bits of as * at.
emulate:
	movi	a2, exception_regs
	s32i	a0, a2, 0
	s32i	a1, a2, 4
	s32i	a3, a2, 12
	s32i	a4, a2, 16
	s32i	a5, a2, 20
	s32i	a6, a2, 24
	s32i	a7, a2, 28
	s32i	a8, a2, 32
	s32i	a9, a2, 36
	s32i	a10, a2, 40
	s32i	a11, a2, 44
	s32i	a12, a2, 48
	s32i	a13, a2, 52
	s32i	a14, a2, 56
	s32i	a15, a2, 60
	rsr	a3, excsave1
	s32i	a3, a2, 8
	rsr	a3, epc1
	l8ui	a4, a3, 0
	l8ui	a5, a3, 1
	l8ui	a6, a3, 2
	slli	a5, a5, 8
	slli	a6, a6, 16
	or	a4, a4, a5
	or	a4, a4, a6		# the instruction
	movi	a5, 0x0f000f
	and	a5, a4, a5
	movi	a6, 0x020000
	beq	a5, a6, 5f
	j	illegal			# op0 != 0 or op1 != 2
5:
	extui	a5, a4, 20, 4		# op2
	extui	a6, a4, 8, 4		# s
	addx4	a6, a6, a2
	l32i	a6, a6, 0		# x = as
	extui	a7, a4, 4, 4		# t
	addx4	a7, a7, a2
	l32i	a7, a7, 0		# y = at
	extui	a10, a6, 0, 16		# xl
	extui	a11, a6, 16, 16		# xh
	extui	a12, a7, 0, 16		# yl
	extui	a13, a7, 16, 16		# yh
	mull	a14, a10, a12		# xl*yl
	mull	a15, a10, a13		# xl*yh
	mull	a10, a11, a12		# xh*yl
	mull	a11, a11, a13		# xh*yh
	extui	a14, a14, 16, 16
	extui	a12, a15, 0, 16
	add	a14, a14, a12
	extui	a12, a10, 0, 16
	add	a14, a14, a12
	extui	a14, a14, 16, 16		# carry into the high word
	extui	a15, a15, 16, 16
	extui	a10, a10, 16, 16
	add	a11, a11, a15
	add	a11, a11, a10
	add	a9, a11, a14		# unsigned high word
	addi	a12, a5, -10
	beqz	a12, store		# muluh
	addi	a12, a5, -11
	bnez	a12, illegal
	bgez	a6, 3f			# mulsh: subtract y if x < 0, x if y < 0
	sub	a9, a9, a7
3:	bgez	a7, store
	sub	a9, a9, a6
store:
	extui	a8, a4, 12, 4		# r
	addx4	a8, a8, a2
	s32i	a9, a8, 0
	addi	a3, a3, 3		# continue after the instruction
	rsr	a4, lend		# ... or loop back if it ended a zero-overhead loop
	bne	a3, a4, 4f
	rsr	a4, lcount
	beqz	a4, 4f
	addi	a4, a4, -1
	wsr	a4, lcount
	rsr	a3, lbeg
4:	wsr	a3, epc1
	l32i	a0, a2, 0
	l32i	a1, a2, 4
	l32i	a3, a2, 12
	l32i	a4, a2, 16
	l32i	a5, a2, 20
	l32i	a6, a2, 24
	l32i	a7, a2, 28
	l32i	a8, a2, 32
	l32i	a9, a2, 36
	l32i	a10, a2, 40
	l32i	a11, a2, 44
	l32i	a12, a2, 48
	l32i	a13, a2, 52
	l32i	a14, a2, 56
	l32i	a15, a2, 60
	l32i	a2, a2, 8
	rsync
	rfe
illegal:
	movi	a3, 100
	j	exit_a3

	.section .reset, "ax"
	.global _reset
_reset:
	j	1f
	.align 4
reset_target:
	.long	_start
1:	l32r	a0, reset_target
	jx	a0

	.bss
	.align 4
exception_regs:
	.space	64
