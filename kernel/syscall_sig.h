/* Expansion of kernel/syscalls.def rows: typed handler prototypes, the thunks that call them
 * with converted arguments, and the descriptors the dispatcher and the tracer read.
 *
 * A row is SYSCALL(Name, handler, nargs, (KIND, name, KIND, name, ...)) or, for a service whose
 * signature is known but which has no handler yet, SIGNATURE(Name, nargs, (KIND, name, ...)).
 * The argument kinds (enum syscall_arg_kind in kernel/dispatch.h) fix the C type of each
 * parameter (KTYPE_<kind>), how the tracer prints it and how a 32-bit guest's argument is
 * widened. The ladders below only spread the (KIND, name) pairs; a row whose count does not
 * match its pairs does not compile. */
#ifndef NTEMU_KERNEL_SYSCALL_SIG_H
#define NTEMU_KERNEL_SYSCALL_SIG_H

#define SC_PARAMS_0()
#define SC_PARAMS_1(k0, n0) , KTYPE_##k0 n0
#define SC_PARAMS_2(k0, n0, k1, n1) , KTYPE_##k0 n0 , KTYPE_##k1 n1
#define SC_PARAMS_3(k0, n0, k1, n1, k2, n2) , KTYPE_##k0 n0 , KTYPE_##k1 n1 , KTYPE_##k2 n2
#define SC_PARAMS_4(k0, n0, k1, n1, k2, n2, k3, n3) , KTYPE_##k0 n0 , KTYPE_##k1 n1 , KTYPE_##k2 n2 , KTYPE_##k3 n3
#define SC_PARAMS_5(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4) , KTYPE_##k0 n0 , KTYPE_##k1 n1 , KTYPE_##k2 n2 , KTYPE_##k3 n3 , KTYPE_##k4 n4
#define SC_PARAMS_6(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5) , KTYPE_##k0 n0 , KTYPE_##k1 n1 , KTYPE_##k2 n2 , KTYPE_##k3 n3 , KTYPE_##k4 n4 , KTYPE_##k5 n5
#define SC_PARAMS_7(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6) , KTYPE_##k0 n0 , KTYPE_##k1 n1 , KTYPE_##k2 n2 , KTYPE_##k3 n3 , KTYPE_##k4 n4 , KTYPE_##k5 n5 , KTYPE_##k6 n6
#define SC_PARAMS_8(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7) , KTYPE_##k0 n0 , KTYPE_##k1 n1 , KTYPE_##k2 n2 , KTYPE_##k3 n3 , KTYPE_##k4 n4 , KTYPE_##k5 n5 , KTYPE_##k6 n6 , KTYPE_##k7 n7
#define SC_PARAMS_9(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8) , KTYPE_##k0 n0 , KTYPE_##k1 n1 , KTYPE_##k2 n2 , KTYPE_##k3 n3 , KTYPE_##k4 n4 , KTYPE_##k5 n5 , KTYPE_##k6 n6 , KTYPE_##k7 n7 , KTYPE_##k8 n8
#define SC_PARAMS_10(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9) , KTYPE_##k0 n0 , KTYPE_##k1 n1 , KTYPE_##k2 n2 , KTYPE_##k3 n3 , KTYPE_##k4 n4 , KTYPE_##k5 n5 , KTYPE_##k6 n6 , KTYPE_##k7 n7 , KTYPE_##k8 n8 , KTYPE_##k9 n9
#define SC_PARAMS_11(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10) , KTYPE_##k0 n0 , KTYPE_##k1 n1 , KTYPE_##k2 n2 , KTYPE_##k3 n3 , KTYPE_##k4 n4 , KTYPE_##k5 n5 , KTYPE_##k6 n6 , KTYPE_##k7 n7 , KTYPE_##k8 n8 , KTYPE_##k9 n9 , KTYPE_##k10 n10
#define SC_PARAMS_12(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11) , KTYPE_##k0 n0 , KTYPE_##k1 n1 , KTYPE_##k2 n2 , KTYPE_##k3 n3 , KTYPE_##k4 n4 , KTYPE_##k5 n5 , KTYPE_##k6 n6 , KTYPE_##k7 n7 , KTYPE_##k8 n8 , KTYPE_##k9 n9 , KTYPE_##k10 n10 , KTYPE_##k11 n11
#define SC_PARAMS_13(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11, k12, n12) , KTYPE_##k0 n0 , KTYPE_##k1 n1 , KTYPE_##k2 n2 , KTYPE_##k3 n3 , KTYPE_##k4 n4 , KTYPE_##k5 n5 , KTYPE_##k6 n6 , KTYPE_##k7 n7 , KTYPE_##k8 n8 , KTYPE_##k9 n9 , KTYPE_##k10 n10 , KTYPE_##k11 n11 , KTYPE_##k12 n12
#define SC_PARAMS_14(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11, k12, n12, k13, n13) , KTYPE_##k0 n0 , KTYPE_##k1 n1 , KTYPE_##k2 n2 , KTYPE_##k3 n3 , KTYPE_##k4 n4 , KTYPE_##k5 n5 , KTYPE_##k6 n6 , KTYPE_##k7 n7 , KTYPE_##k8 n8 , KTYPE_##k9 n9 , KTYPE_##k10 n10 , KTYPE_##k11 n11 , KTYPE_##k12 n12 , KTYPE_##k13 n13
#define SC_PARAMS_15(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11, k12, n12, k13, n13, k14, n14) , KTYPE_##k0 n0 , KTYPE_##k1 n1 , KTYPE_##k2 n2 , KTYPE_##k3 n3 , KTYPE_##k4 n4 , KTYPE_##k5 n5 , KTYPE_##k6 n6 , KTYPE_##k7 n7 , KTYPE_##k8 n8 , KTYPE_##k9 n9 , KTYPE_##k10 n10 , KTYPE_##k11 n11 , KTYPE_##k12 n12 , KTYPE_##k13 n13 , KTYPE_##k14 n14
#define SC_PARAMS_16(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11, k12, n12, k13, n13, k14, n14, k15, n15) , KTYPE_##k0 n0 , KTYPE_##k1 n1 , KTYPE_##k2 n2 , KTYPE_##k3 n3 , KTYPE_##k4 n4 , KTYPE_##k5 n5 , KTYPE_##k6 n6 , KTYPE_##k7 n7 , KTYPE_##k8 n8 , KTYPE_##k9 n9 , KTYPE_##k10 n10 , KTYPE_##k11 n11 , KTYPE_##k12 n12 , KTYPE_##k13 n13 , KTYPE_##k14 n14 , KTYPE_##k15 n15
#define SC_PARAMS_17(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11, k12, n12, k13, n13, k14, n14, k15, n15, k16, n16) , KTYPE_##k0 n0 , KTYPE_##k1 n1 , KTYPE_##k2 n2 , KTYPE_##k3 n3 , KTYPE_##k4 n4 , KTYPE_##k5 n5 , KTYPE_##k6 n6 , KTYPE_##k7 n7 , KTYPE_##k8 n8 , KTYPE_##k9 n9 , KTYPE_##k10 n10 , KTYPE_##k11 n11 , KTYPE_##k12 n12 , KTYPE_##k13 n13 , KTYPE_##k14 n14 , KTYPE_##k15 n15 , KTYPE_##k16 n16

#define SC_ARGS_0()
#define SC_ARGS_1(k0, n0) , (KTYPE_##k0)c->args[0]
#define SC_ARGS_2(k0, n0, k1, n1) , (KTYPE_##k0)c->args[0] , (KTYPE_##k1)c->args[1]
#define SC_ARGS_3(k0, n0, k1, n1, k2, n2) , (KTYPE_##k0)c->args[0] , (KTYPE_##k1)c->args[1] , (KTYPE_##k2)c->args[2]
#define SC_ARGS_4(k0, n0, k1, n1, k2, n2, k3, n3) , (KTYPE_##k0)c->args[0] , (KTYPE_##k1)c->args[1] , (KTYPE_##k2)c->args[2] , (KTYPE_##k3)c->args[3]
#define SC_ARGS_5(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4) , (KTYPE_##k0)c->args[0] , (KTYPE_##k1)c->args[1] , (KTYPE_##k2)c->args[2] , (KTYPE_##k3)c->args[3] , (KTYPE_##k4)c->args[4]
#define SC_ARGS_6(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5) , (KTYPE_##k0)c->args[0] , (KTYPE_##k1)c->args[1] , (KTYPE_##k2)c->args[2] , (KTYPE_##k3)c->args[3] , (KTYPE_##k4)c->args[4] , (KTYPE_##k5)c->args[5]
#define SC_ARGS_7(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6) , (KTYPE_##k0)c->args[0] , (KTYPE_##k1)c->args[1] , (KTYPE_##k2)c->args[2] , (KTYPE_##k3)c->args[3] , (KTYPE_##k4)c->args[4] , (KTYPE_##k5)c->args[5] , (KTYPE_##k6)c->args[6]
#define SC_ARGS_8(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7) , (KTYPE_##k0)c->args[0] , (KTYPE_##k1)c->args[1] , (KTYPE_##k2)c->args[2] , (KTYPE_##k3)c->args[3] , (KTYPE_##k4)c->args[4] , (KTYPE_##k5)c->args[5] , (KTYPE_##k6)c->args[6] , (KTYPE_##k7)c->args[7]
#define SC_ARGS_9(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8) , (KTYPE_##k0)c->args[0] , (KTYPE_##k1)c->args[1] , (KTYPE_##k2)c->args[2] , (KTYPE_##k3)c->args[3] , (KTYPE_##k4)c->args[4] , (KTYPE_##k5)c->args[5] , (KTYPE_##k6)c->args[6] , (KTYPE_##k7)c->args[7] , (KTYPE_##k8)c->args[8]
#define SC_ARGS_10(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9) , (KTYPE_##k0)c->args[0] , (KTYPE_##k1)c->args[1] , (KTYPE_##k2)c->args[2] , (KTYPE_##k3)c->args[3] , (KTYPE_##k4)c->args[4] , (KTYPE_##k5)c->args[5] , (KTYPE_##k6)c->args[6] , (KTYPE_##k7)c->args[7] , (KTYPE_##k8)c->args[8] , (KTYPE_##k9)c->args[9]
#define SC_ARGS_11(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10) , (KTYPE_##k0)c->args[0] , (KTYPE_##k1)c->args[1] , (KTYPE_##k2)c->args[2] , (KTYPE_##k3)c->args[3] , (KTYPE_##k4)c->args[4] , (KTYPE_##k5)c->args[5] , (KTYPE_##k6)c->args[6] , (KTYPE_##k7)c->args[7] , (KTYPE_##k8)c->args[8] , (KTYPE_##k9)c->args[9] , (KTYPE_##k10)c->args[10]
#define SC_ARGS_12(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11) , (KTYPE_##k0)c->args[0] , (KTYPE_##k1)c->args[1] , (KTYPE_##k2)c->args[2] , (KTYPE_##k3)c->args[3] , (KTYPE_##k4)c->args[4] , (KTYPE_##k5)c->args[5] , (KTYPE_##k6)c->args[6] , (KTYPE_##k7)c->args[7] , (KTYPE_##k8)c->args[8] , (KTYPE_##k9)c->args[9] , (KTYPE_##k10)c->args[10] , (KTYPE_##k11)c->args[11]
#define SC_ARGS_13(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11, k12, n12) , (KTYPE_##k0)c->args[0] , (KTYPE_##k1)c->args[1] , (KTYPE_##k2)c->args[2] , (KTYPE_##k3)c->args[3] , (KTYPE_##k4)c->args[4] , (KTYPE_##k5)c->args[5] , (KTYPE_##k6)c->args[6] , (KTYPE_##k7)c->args[7] , (KTYPE_##k8)c->args[8] , (KTYPE_##k9)c->args[9] , (KTYPE_##k10)c->args[10] , (KTYPE_##k11)c->args[11] , (KTYPE_##k12)c->args[12]
#define SC_ARGS_14(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11, k12, n12, k13, n13) , (KTYPE_##k0)c->args[0] , (KTYPE_##k1)c->args[1] , (KTYPE_##k2)c->args[2] , (KTYPE_##k3)c->args[3] , (KTYPE_##k4)c->args[4] , (KTYPE_##k5)c->args[5] , (KTYPE_##k6)c->args[6] , (KTYPE_##k7)c->args[7] , (KTYPE_##k8)c->args[8] , (KTYPE_##k9)c->args[9] , (KTYPE_##k10)c->args[10] , (KTYPE_##k11)c->args[11] , (KTYPE_##k12)c->args[12] , (KTYPE_##k13)c->args[13]
#define SC_ARGS_15(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11, k12, n12, k13, n13, k14, n14) , (KTYPE_##k0)c->args[0] , (KTYPE_##k1)c->args[1] , (KTYPE_##k2)c->args[2] , (KTYPE_##k3)c->args[3] , (KTYPE_##k4)c->args[4] , (KTYPE_##k5)c->args[5] , (KTYPE_##k6)c->args[6] , (KTYPE_##k7)c->args[7] , (KTYPE_##k8)c->args[8] , (KTYPE_##k9)c->args[9] , (KTYPE_##k10)c->args[10] , (KTYPE_##k11)c->args[11] , (KTYPE_##k12)c->args[12] , (KTYPE_##k13)c->args[13] , (KTYPE_##k14)c->args[14]
#define SC_ARGS_16(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11, k12, n12, k13, n13, k14, n14, k15, n15) , (KTYPE_##k0)c->args[0] , (KTYPE_##k1)c->args[1] , (KTYPE_##k2)c->args[2] , (KTYPE_##k3)c->args[3] , (KTYPE_##k4)c->args[4] , (KTYPE_##k5)c->args[5] , (KTYPE_##k6)c->args[6] , (KTYPE_##k7)c->args[7] , (KTYPE_##k8)c->args[8] , (KTYPE_##k9)c->args[9] , (KTYPE_##k10)c->args[10] , (KTYPE_##k11)c->args[11] , (KTYPE_##k12)c->args[12] , (KTYPE_##k13)c->args[13] , (KTYPE_##k14)c->args[14] , (KTYPE_##k15)c->args[15]
#define SC_ARGS_17(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11, k12, n12, k13, n13, k14, n14, k15, n15, k16, n16) , (KTYPE_##k0)c->args[0] , (KTYPE_##k1)c->args[1] , (KTYPE_##k2)c->args[2] , (KTYPE_##k3)c->args[3] , (KTYPE_##k4)c->args[4] , (KTYPE_##k5)c->args[5] , (KTYPE_##k6)c->args[6] , (KTYPE_##k7)c->args[7] , (KTYPE_##k8)c->args[8] , (KTYPE_##k9)c->args[9] , (KTYPE_##k10)c->args[10] , (KTYPE_##k11)c->args[11] , (KTYPE_##k12)c->args[12] , (KTYPE_##k13)c->args[13] , (KTYPE_##k14)c->args[14] , (KTYPE_##k15)c->args[15] , (KTYPE_##k16)c->args[16]

#define SC_KINDS_0()
#define SC_KINDS_1(k0, n0) ARG_##k0,
#define SC_KINDS_2(k0, n0, k1, n1) ARG_##k0, ARG_##k1,
#define SC_KINDS_3(k0, n0, k1, n1, k2, n2) ARG_##k0, ARG_##k1, ARG_##k2,
#define SC_KINDS_4(k0, n0, k1, n1, k2, n2, k3, n3) ARG_##k0, ARG_##k1, ARG_##k2, ARG_##k3,
#define SC_KINDS_5(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4) ARG_##k0, ARG_##k1, ARG_##k2, ARG_##k3, ARG_##k4,
#define SC_KINDS_6(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5) ARG_##k0, ARG_##k1, ARG_##k2, ARG_##k3, ARG_##k4, ARG_##k5,
#define SC_KINDS_7(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6) ARG_##k0, ARG_##k1, ARG_##k2, ARG_##k3, ARG_##k4, ARG_##k5, ARG_##k6,
#define SC_KINDS_8(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7) ARG_##k0, ARG_##k1, ARG_##k2, ARG_##k3, ARG_##k4, ARG_##k5, ARG_##k6, ARG_##k7,
#define SC_KINDS_9(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8) ARG_##k0, ARG_##k1, ARG_##k2, ARG_##k3, ARG_##k4, ARG_##k5, ARG_##k6, ARG_##k7, ARG_##k8,
#define SC_KINDS_10(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9) ARG_##k0, ARG_##k1, ARG_##k2, ARG_##k3, ARG_##k4, ARG_##k5, ARG_##k6, ARG_##k7, ARG_##k8, ARG_##k9,
#define SC_KINDS_11(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10) ARG_##k0, ARG_##k1, ARG_##k2, ARG_##k3, ARG_##k4, ARG_##k5, ARG_##k6, ARG_##k7, ARG_##k8, ARG_##k9, ARG_##k10,
#define SC_KINDS_12(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11) ARG_##k0, ARG_##k1, ARG_##k2, ARG_##k3, ARG_##k4, ARG_##k5, ARG_##k6, ARG_##k7, ARG_##k8, ARG_##k9, ARG_##k10, ARG_##k11,
#define SC_KINDS_13(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11, k12, n12) ARG_##k0, ARG_##k1, ARG_##k2, ARG_##k3, ARG_##k4, ARG_##k5, ARG_##k6, ARG_##k7, ARG_##k8, ARG_##k9, ARG_##k10, ARG_##k11, ARG_##k12,
#define SC_KINDS_14(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11, k12, n12, k13, n13) ARG_##k0, ARG_##k1, ARG_##k2, ARG_##k3, ARG_##k4, ARG_##k5, ARG_##k6, ARG_##k7, ARG_##k8, ARG_##k9, ARG_##k10, ARG_##k11, ARG_##k12, ARG_##k13,
#define SC_KINDS_15(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11, k12, n12, k13, n13, k14, n14) ARG_##k0, ARG_##k1, ARG_##k2, ARG_##k3, ARG_##k4, ARG_##k5, ARG_##k6, ARG_##k7, ARG_##k8, ARG_##k9, ARG_##k10, ARG_##k11, ARG_##k12, ARG_##k13, ARG_##k14,
#define SC_KINDS_16(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11, k12, n12, k13, n13, k14, n14, k15, n15) ARG_##k0, ARG_##k1, ARG_##k2, ARG_##k3, ARG_##k4, ARG_##k5, ARG_##k6, ARG_##k7, ARG_##k8, ARG_##k9, ARG_##k10, ARG_##k11, ARG_##k12, ARG_##k13, ARG_##k14, ARG_##k15,
#define SC_KINDS_17(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11, k12, n12, k13, n13, k14, n14, k15, n15, k16, n16) ARG_##k0, ARG_##k1, ARG_##k2, ARG_##k3, ARG_##k4, ARG_##k5, ARG_##k6, ARG_##k7, ARG_##k8, ARG_##k9, ARG_##k10, ARG_##k11, ARG_##k12, ARG_##k13, ARG_##k14, ARG_##k15, ARG_##k16,

#define SC_NAMES_0()
#define SC_NAMES_1(k0, n0) #n0,
#define SC_NAMES_2(k0, n0, k1, n1) #n0, #n1,
#define SC_NAMES_3(k0, n0, k1, n1, k2, n2) #n0, #n1, #n2,
#define SC_NAMES_4(k0, n0, k1, n1, k2, n2, k3, n3) #n0, #n1, #n2, #n3,
#define SC_NAMES_5(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4) #n0, #n1, #n2, #n3, #n4,
#define SC_NAMES_6(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5) #n0, #n1, #n2, #n3, #n4, #n5,
#define SC_NAMES_7(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6) #n0, #n1, #n2, #n3, #n4, #n5, #n6,
#define SC_NAMES_8(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7) #n0, #n1, #n2, #n3, #n4, #n5, #n6, #n7,
#define SC_NAMES_9(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8) #n0, #n1, #n2, #n3, #n4, #n5, #n6, #n7, #n8,
#define SC_NAMES_10(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9) #n0, #n1, #n2, #n3, #n4, #n5, #n6, #n7, #n8, #n9,
#define SC_NAMES_11(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10) #n0, #n1, #n2, #n3, #n4, #n5, #n6, #n7, #n8, #n9, #n10,
#define SC_NAMES_12(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11) #n0, #n1, #n2, #n3, #n4, #n5, #n6, #n7, #n8, #n9, #n10, #n11,
#define SC_NAMES_13(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11, k12, n12) #n0, #n1, #n2, #n3, #n4, #n5, #n6, #n7, #n8, #n9, #n10, #n11, #n12,
#define SC_NAMES_14(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11, k12, n12, k13, n13) #n0, #n1, #n2, #n3, #n4, #n5, #n6, #n7, #n8, #n9, #n10, #n11, #n12, #n13,
#define SC_NAMES_15(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11, k12, n12, k13, n13, k14, n14) #n0, #n1, #n2, #n3, #n4, #n5, #n6, #n7, #n8, #n9, #n10, #n11, #n12, #n13, #n14,
#define SC_NAMES_16(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11, k12, n12, k13, n13, k14, n14, k15, n15) #n0, #n1, #n2, #n3, #n4, #n5, #n6, #n7, #n8, #n9, #n10, #n11, #n12, #n13, #n14, #n15,
#define SC_NAMES_17(k0, n0, k1, n1, k2, n2, k3, n3, k4, n4, k5, n5, k6, n6, k7, n7, k8, n8, k9, n9, k10, n10, k11, n11, k12, n12, k13, n13, k14, n14, k15, n15, k16, n16) #n0, #n1, #n2, #n3, #n4, #n5, #n6, #n7, #n8, #n9, #n10, #n11, #n12, #n13, #n14, #n15, #n16,

#endif
