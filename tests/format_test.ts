import assert from "node:assert/strict";
import {
  formatCompact,
  formatCount,
  formatNumber,
  formatPercent,
  formatScientific,
  formatSeconds,
} from "../lib/engine/format.ts";

Deno.test("formatNumber: decimal comma and thousands point, as the issue's examples", () => {
  assert.equal(formatNumber(2359296), "2.359.296");
  assert.equal(formatNumber(1000), "1.000"); // grouped even with four digits (unlike toLocaleString("es-ES"))
  assert.equal(formatNumber(999), "999");
  assert.equal(formatNumber(12.5), "12,5");
  assert.equal(formatNumber(0.9431, { decimals: 3 }), "0,943");
  assert.equal(formatNumber(1234567.891, { decimals: 2 }), "1.234.567,89");
  assert.equal(formatNumber(2.5, { decimals: 0 }), "3");
  assert.equal(formatNumber(1 / 3), "0,33"); // default at most 2 decimals
  assert.equal(formatNumber(0.1 + 0.2, { maxDecimals: 4 }), "0,3"); // trailing zeros dropped
  assert.equal(formatNumber(-1234.5, { decimals: 1 }), "-1.234,5");
  assert.equal(formatNumber(-0.0001, { decimals: 2 }), "0,00"); // no "-0,00"
  assert.equal(formatNumber(NaN), "–");
  assert.equal(formatNumber(Infinity), "–");
});

Deno.test("formatNumber agrees with Intl es-ES where Intl groups (≥ 5 digits)", () => {
  const intl = new Intl.NumberFormat("es-ES", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  for (const x of [12345.678, 987654.321, 138357544, 0.5, 3.14159, 62378344.4]) {
    assert.equal(formatNumber(x, { decimals: 2 }), intl.format(x), `x = ${x}`);
  }
});

Deno.test("formatCount rounds; formatPercent takes a fraction; formatCompact and formatSeconds", () => {
  assert.equal(formatCount(270000), "270.000");
  assert.equal(formatCount(760.4), "760");
  assert.equal(formatCount(-1500), "-1.500");
  assert.equal(formatPercent(0.943), "94,3 %");
  assert.equal(formatPercent(0.98765, { decimals: 2 }), "98,77 %");
  assert.equal(formatPercent(1), "100,0 %");
  assert.equal(formatPercent(NaN), "–");
  assert.equal(formatCompact(138357544), "138,4 M");
  assert.equal(formatCompact(62378344), "62,4 M");
  assert.equal(formatCompact(61706), "61,7 mil");
  assert.equal(formatCompact(2.5e9), "2,5 mil M");
  assert.equal(formatCompact(760), "760");
  assert.equal(formatSeconds(12.345), "12,3 s");
});

Deno.test("formatNumber: bad digit options get a clear Spanish error", () => {
  assert.throws(() => formatNumber(1, { decimals: -1 }), /decimals debe ser un entero entre 0 y 20/);
  assert.throws(() => formatNumber(1, { maxDecimals: 1.5 }), /maxDecimals debe ser un entero/);
});

Deno.test("formatScientific: mantissa with a comma and a superscript power of ten", () => {
  assert.equal(formatScientific(0.0000301), "3,0·10⁻⁵");
  assert.equal(formatScientific(1.1e-5, { decimals: 2 }), "1,10·10⁻⁵");
  assert.equal(formatScientific(123456), "1,2·10⁵");
  assert.equal(formatScientific(2.5), "2,5");
  assert.equal(formatScientific(-4e12), "-4,0·10¹²");
  assert.equal(formatScientific(NaN), "–");
});
