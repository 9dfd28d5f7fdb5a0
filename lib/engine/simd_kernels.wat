;; Hand-written WebAssembly SIMD kernels working directly on tfjs-backend-wasm's heap (lib/engine/simd.ts).
;; Assembled by `deno run -A tools/build_wasm.ts` into lib/engine/simd_kernels.ts, twice: as is (shared
;; memory, the threaded build) and with the memory import below made non-shared (the single-threaded build);
;; an imported memory's `shared` flag must match the backend's.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Max-pool gradient, 2×2 windows, stride 2, no padding, NHWC float32, as in tfjs' reference: each dy value
  ;; goes to the first maximum of its window in row-major order (strictly greater wins; NaN never does), the
  ;; three other positions get 0. Windows do not overlap, so every dx value is written exactly once: plain
  ;; stores, no zero-fill first (except the last row/column no window covers when H/W are odd).
  ;; Pointers are byte offsets into the heap; outH·2 ≤ inH and outW·2 ≤ inW.
  (func (export "maxPoolGrad2x2")
    (param $x i32) (param $dy i32) (param $dx i32) (param $batch i32) (param $inH i32) (param $inW i32)
    (param $ch i32) (param $outH i32) (param $outW i32)
    (local $cb i32) (local $rb i32) (local $delta i32) (local $colTail i32) (local $rowTail i32)
    (local $p i32) (local $g i32) (local $b i32) (local $r i32) (local $c i32) (local $k i32) (local $last i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $best v128) (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128) (local $d v128)
    (local.set $cb (i32.shl (local.get $ch) (i32.const 2)))                 ;; bytes of one pixel
    (local.set $rb (i32.mul (local.get $cb) (local.get $inW)))              ;; bytes of one input row
    (local.set $delta (i32.sub (local.get $dx) (local.get $x)))             ;; dx has x's layout
    (local.set $colTail (i32.mul (local.get $cb) (i32.sub (local.get $inW) (i32.shl (local.get $outW) (i32.const 1)))))
    (local.set $rowTail (i32.mul (local.get $rb) (i32.sub (local.get $inH) (i32.shl (local.get $outH) (i32.const 1)))))
    (local.set $last (i32.sub (local.get $cb) (i32.const 16)))              ;; the last group of 4 channels
    (local.set $p (local.get $x))
    (local.set $g (local.get $dy))
    (local.set $b (local.get $batch))
    (block $images_done
      (loop $images
        (br_if $images_done (i32.eqz (local.get $b)))
        (local.set $r (local.get $outH))
        (block $rows_done
          (loop $rows
            (br_if $rows_done (i32.eqz (local.get $r)))
            (local.set $c (local.get $outW))
            (block $cols_done
              (loop $cols
                (br_if $cols_done (i32.eqz (local.get $c)))
                (local.set $k (i32.const 0))
                (if (i32.ge_s (local.get $ch) (i32.const 4))
                  (then
                    ;; 4 channels at a time; the last group starts at ch − 4 (it may overlap the previous one:
                    ;; rewriting the same values is harmless)
                    (loop $groups
                      (local.set $a0 (i32.add (local.get $p)
                        (select (local.get $k) (local.get $last) (i32.lt_s (local.get $k) (local.get $last)))))
                      (local.set $a1 (i32.add (local.get $a0) (local.get $cb)))
                      (local.set $a2 (i32.add (local.get $a0) (local.get $rb)))
                      (local.set $a3 (i32.add (local.get $a2) (local.get $cb)))
                      ;; m_i: x_i > the maximum so far (pmax(best, x) = best < x ? x : best, i.e. the same test)
                      (local.set $best (v128.load (local.get $a0)))
                      (local.set $m0 (f32x4.gt (local.get $best) (v128.const f32x4 -inf -inf -inf -inf)))
                      (local.set $best (f32x4.pmax (v128.const f32x4 -inf -inf -inf -inf) (local.get $best)))
                      (local.set $m1 (f32x4.gt (v128.load (local.get $a1)) (local.get $best)))
                      (local.set $best (f32x4.pmax (local.get $best) (v128.load (local.get $a1))))
                      (local.set $m2 (f32x4.gt (v128.load (local.get $a2)) (local.get $best)))
                      (local.set $best (f32x4.pmax (local.get $best) (v128.load (local.get $a2))))
                      (local.set $m3 (f32x4.gt (v128.load (local.get $a3)) (local.get $best)))
                      ;; the last position whose test passed wins: dy there, 0 elsewhere
                      (local.set $d (v128.load (i32.add (local.get $g) (i32.sub (local.get $a0) (local.get $p)))))
                      (v128.store (i32.add (local.get $a3) (local.get $delta)) (v128.and (local.get $d) (local.get $m3)))
                      (local.set $d (v128.andnot (local.get $d) (local.get $m3)))
                      (v128.store (i32.add (local.get $a2) (local.get $delta)) (v128.and (local.get $d) (local.get $m2)))
                      (local.set $d (v128.andnot (local.get $d) (local.get $m2)))
                      (v128.store (i32.add (local.get $a1) (local.get $delta)) (v128.and (local.get $d) (local.get $m1)))
                      (local.set $d (v128.andnot (local.get $d) (local.get $m1)))
                      (v128.store (i32.add (local.get $a0) (local.get $delta)) (v128.and (local.get $d) (local.get $m0)))
                      (local.set $k (i32.add (local.get $k) (i32.const 16)))
                      (br_if $groups (i32.lt_s (local.get $k) (local.get $cb)))))
                  (else
                    ;; fewer than 4 channels: the same steps on lane 0 only, one channel at a time
                    (loop $scalar
                      (local.set $a0 (i32.add (local.get $p) (local.get $k)))
                      (local.set $a1 (i32.add (local.get $a0) (local.get $cb)))
                      (local.set $a2 (i32.add (local.get $a0) (local.get $rb)))
                      (local.set $a3 (i32.add (local.get $a2) (local.get $cb)))
                      (local.set $best (v128.load32_zero (local.get $a0)))
                      (local.set $m0 (f32x4.gt (local.get $best) (v128.const f32x4 -inf -inf -inf -inf)))
                      (local.set $best (f32x4.pmax (v128.const f32x4 -inf -inf -inf -inf) (local.get $best)))
                      (local.set $m1 (f32x4.gt (v128.load32_zero (local.get $a1)) (local.get $best)))
                      (local.set $best (f32x4.pmax (local.get $best) (v128.load32_zero (local.get $a1))))
                      (local.set $m2 (f32x4.gt (v128.load32_zero (local.get $a2)) (local.get $best)))
                      (local.set $best (f32x4.pmax (local.get $best) (v128.load32_zero (local.get $a2))))
                      (local.set $m3 (f32x4.gt (v128.load32_zero (local.get $a3)) (local.get $best)))
                      (local.set $d (v128.load32_zero (i32.add (local.get $g) (local.get $k))))
                      (v128.store32_lane 0 (i32.add (local.get $a3) (local.get $delta)) (v128.and (local.get $d) (local.get $m3)))
                      (local.set $d (v128.andnot (local.get $d) (local.get $m3)))
                      (v128.store32_lane 0 (i32.add (local.get $a2) (local.get $delta)) (v128.and (local.get $d) (local.get $m2)))
                      (local.set $d (v128.andnot (local.get $d) (local.get $m2)))
                      (v128.store32_lane 0 (i32.add (local.get $a1) (local.get $delta)) (v128.and (local.get $d) (local.get $m1)))
                      (local.set $d (v128.andnot (local.get $d) (local.get $m1)))
                      (v128.store32_lane 0 (i32.add (local.get $a0) (local.get $delta)) (v128.and (local.get $d) (local.get $m0)))
                      (local.set $k (i32.add (local.get $k) (i32.const 4)))
                      (br_if $scalar (i32.lt_s (local.get $k) (local.get $cb))))))
                (local.set $p (i32.add (local.get $p) (i32.shl (local.get $cb) (i32.const 1))))  ;; next window
                (local.set $g (i32.add (local.get $g) (local.get $cb)))
                (local.set $c (i32.sub (local.get $c) (i32.const 1)))
                (br $cols)))
            ;; columns right of the last window (odd width), in both rows; then skip the second row
            (memory.fill (i32.add (local.get $p) (local.get $delta)) (i32.const 0) (local.get $colTail))
            (memory.fill (i32.add (i32.add (local.get $p) (local.get $delta)) (local.get $rb)) (i32.const 0)
              (local.get $colTail))
            (local.set $p (i32.add (local.get $p) (i32.add (local.get $colTail) (local.get $rb))))
            (local.set $r (i32.sub (local.get $r) (i32.const 1)))
            (br $rows)))
        ;; rows below the last window row (odd height)
        (memory.fill (i32.add (local.get $p) (local.get $delta)) (i32.const 0) (local.get $rowTail))
        (local.set $p (i32.add (local.get $p) (local.get $rowTail)))
        (local.set $b (i32.sub (local.get $b) (i32.const 1)))
        (br $images))))
  ;; Filter gradient of a convolution by direct accumulation, for layers with few input channels (lib/engine/
  ;; kernels.ts decides): dW[r, s, c, k] = Σ_{b,i,j} x[b, i·sh + r·dh − top, j·sw + s·dw − left, c] · dy[b, i, j, k],
  ;; terms outside the image skipped. NHWC float32, dW is [fh, fw, C, K] and K a multiple of 4. For each output
  ;; row (b, i), tap (r, s) and channel c, the 16 (or 4) filter values of a block of K stay in registers while
  ;; the row's valid columns j add x·dy[b, i, j, block]: no im2col matrix, and no packing of dy (which the
  ;; matrix-product paths pay on every call). One thread.
  (func (export "filterGradDirect")
    (param $x i32) (param $dy i32) (param $out i32) (param $n i32) (param $h i32) (param $w i32) (param $c i32)
    (param $oh i32) (param $ow i32) (param $k i32) (param $fh i32) (param $fw i32) (param $sh i32) (param $sw i32)
    (param $dh i32) (param $dw i32) (param $top i32) (param $left i32)
    (local $kb i32) (local $xstep i32) (local $b i32) (local $i i32) (local $r i32) (local $s i32) (local $ch i32)
    (local $yi i32) (local $off i32) (local $j0 i32) (local $j1 i32) (local $t i32) (local $kk i32) (local $j i32)
    (local $dyRow i32) (local $xRow i32) (local $acc i32) (local $xp i32) (local $dp i32) (local $xStart i32)
    (local $dStart i32)
    (local $v v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $kb (i32.shl (local.get $k) (i32.const 2)))                          ;; bytes of one dy pixel
    (local.set $xstep (i32.shl (i32.mul (local.get $sw) (local.get $c)) (i32.const 2)))  ;; x bytes per output column
    (memory.fill (local.get $out) (i32.const 0)
      (i32.mul (i32.mul (i32.mul (local.get $fh) (local.get $fw)) (local.get $c)) (local.get $kb)))
    (local.set $dyRow (local.get $dy))
    (local.set $b (i32.const 0))
    (block $images_done
      (loop $images
        (br_if $images_done (i32.ge_s (local.get $b) (local.get $n)))
        (local.set $i (i32.const 0))
        (block $rows_done
          (loop $rows
            (br_if $rows_done (i32.ge_s (local.get $i) (local.get $oh)))
            (local.set $r (i32.const 0))
            (block $taps_r_done
              (loop $taps_r
                (br_if $taps_r_done (i32.ge_s (local.get $r) (local.get $fh)))
                (local.set $yi (i32.sub (i32.add (i32.mul (local.get $i) (local.get $sh))
                  (i32.mul (local.get $r) (local.get $dh))) (local.get $top)))
                (if (i32.and (i32.ge_s (local.get $yi) (i32.const 0)) (i32.lt_s (local.get $yi) (local.get $h)))
                  (then
                    (local.set $xRow (i32.add (local.get $x) (i32.shl (i32.mul (i32.mul (i32.add
                      (i32.mul (local.get $b) (local.get $h)) (local.get $yi)) (local.get $w)) (local.get $c)) (i32.const 2))))
                    (local.set $s (i32.const 0))
                    (block $taps_s_done
                      (loop $taps_s
                        (br_if $taps_s_done (i32.ge_s (local.get $s) (local.get $fw)))
                        ;; valid output columns: 0 ≤ j·sw + off < w
                        (local.set $off (i32.sub (i32.mul (local.get $s) (local.get $dw)) (local.get $left)))
                        (local.set $j0 (select
                          (i32.div_s (i32.add (i32.sub (i32.const 0) (local.get $off)) (i32.sub (local.get $sw) (i32.const 1)))
                            (local.get $sw))
                          (i32.const 0)
                          (i32.lt_s (local.get $off) (i32.const 0))))
                        (local.set $t (i32.sub (i32.sub (local.get $w) (i32.const 1)) (local.get $off)))
                        (local.set $j1 (select
                          (i32.add (i32.div_s (local.get $t) (local.get $sw)) (i32.const 1))
                          (i32.const 0)
                          (i32.ge_s (local.get $t) (i32.const 0))))
                        (if (i32.gt_s (local.get $j1) (local.get $ow)) (then (local.set $j1 (local.get $ow))))
                        (if (i32.lt_s (local.get $j0) (local.get $j1))
                          (then
                            ;; column j0's x value of channel 0, and its dy pixel
                            (local.set $xStart (i32.add (local.get $xRow) (i32.shl (i32.mul (i32.add
                              (i32.mul (local.get $j0) (local.get $sw)) (local.get $off)) (local.get $c)) (i32.const 2))))
                            (local.set $dStart (i32.add (local.get $dyRow) (i32.mul (local.get $j0) (local.get $kb))))
                            (local.set $ch (i32.const 0))
                            (loop $channels
                              (local.set $acc (i32.add (local.get $out) (i32.mul (i32.add (i32.mul (i32.add
                                (i32.mul (local.get $r) (local.get $fw)) (local.get $s)) (local.get $c)) (local.get $ch))
                                (local.get $kb))))
                              (local.set $kk (i32.const 0))
                              ;; blocks of 16 filters, 4 accumulators
                              (block $blocks_done
                                (loop $blocks
                                  (br_if $blocks_done (i32.gt_s (i32.add (local.get $kk) (i32.const 64)) (local.get $kb)))
                                  (local.set $a0 (v128.load (i32.add (local.get $acc) (local.get $kk))))
                                  (local.set $a1 (v128.load offset=16 (i32.add (local.get $acc) (local.get $kk))))
                                  (local.set $a2 (v128.load offset=32 (i32.add (local.get $acc) (local.get $kk))))
                                  (local.set $a3 (v128.load offset=48 (i32.add (local.get $acc) (local.get $kk))))
                                  (local.set $xp (local.get $xStart))
                                  (local.set $dp (i32.add (local.get $dStart) (local.get $kk)))
                                  (local.set $j (local.get $j0))
                                  (loop $cols
                                    (local.set $v (v128.load32_splat (local.get $xp)))
                                    (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $v) (v128.load (local.get $dp)))))
                                    (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $v) (v128.load offset=16 (local.get $dp)))))
                                    (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $v) (v128.load offset=32 (local.get $dp)))))
                                    (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $v) (v128.load offset=48 (local.get $dp)))))
                                    (local.set $xp (i32.add (local.get $xp) (local.get $xstep)))
                                    (local.set $dp (i32.add (local.get $dp) (local.get $kb)))
                                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                                    (br_if $cols (i32.lt_s (local.get $j) (local.get $j1))))
                                  (v128.store (i32.add (local.get $acc) (local.get $kk)) (local.get $a0))
                                  (v128.store offset=16 (i32.add (local.get $acc) (local.get $kk)) (local.get $a1))
                                  (v128.store offset=32 (i32.add (local.get $acc) (local.get $kk)) (local.get $a2))
                                  (v128.store offset=48 (i32.add (local.get $acc) (local.get $kk)) (local.get $a3))
                                  (local.set $kk (i32.add (local.get $kk) (i32.const 64)))
                                  (br $blocks)))
                              ;; the last K mod 16 filters, 4 at a time
                              (block $singles_done
                                (loop $singles
                                  (br_if $singles_done (i32.ge_s (local.get $kk) (local.get $kb)))
                                  (local.set $a0 (v128.load (i32.add (local.get $acc) (local.get $kk))))
                                  (local.set $xp (local.get $xStart))
                                  (local.set $dp (i32.add (local.get $dStart) (local.get $kk)))
                                  (local.set $j (local.get $j0))
                                  (loop $cols1
                                    (local.set $a0 (f32x4.add (local.get $a0)
                                      (f32x4.mul (v128.load32_splat (local.get $xp)) (v128.load (local.get $dp)))))
                                    (local.set $xp (i32.add (local.get $xp) (local.get $xstep)))
                                    (local.set $dp (i32.add (local.get $dp) (local.get $kb)))
                                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                                    (br_if $cols1 (i32.lt_s (local.get $j) (local.get $j1))))
                                  (v128.store (i32.add (local.get $acc) (local.get $kk)) (local.get $a0))
                                  (local.set $kk (i32.add (local.get $kk) (i32.const 16)))
                                  (br $singles)))
                              (local.set $xStart (i32.add (local.get $xStart) (i32.const 4)))
                              (local.set $ch (i32.add (local.get $ch) (i32.const 1)))
                              (br_if $channels (i32.lt_s (local.get $ch) (local.get $c))))))
                        (local.set $s (i32.add (local.get $s) (i32.const 1)))
                        (br $taps_s)))))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $taps_r)))
            (local.set $dyRow (i32.add (local.get $dyRow) (i32.mul (local.get $ow) (local.get $kb))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rows)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $images))))
)
