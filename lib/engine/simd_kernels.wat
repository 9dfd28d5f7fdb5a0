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
        (br $images)))))
