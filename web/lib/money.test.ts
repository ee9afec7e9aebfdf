import { describe, expect, it } from "vitest";

import { formatPrice, fromMinorUnits, toMinorUnits } from "./format";
import { currencyExponent, decimalString, formatMoney as format, moneyOf, parseMajor, sumMoney, toMajor } from "./money";

// Browsers put a no-break space between a currency code and the amount.
const formatMoney = (...args: Parameters<typeof format>) => format(...args).replace(/\u00a0/g, " ");

describe("amounts from the API", () => {
  it("put the decimal point where the exponent says", () => {
    expect(formatMoney({ amount_minor: 125050, currency: "GBP", exponent: 2 }, "en-GB")).toBe("£1,250.50");
    expect(formatMoney({ amount_minor: 5000, currency: "JPY", exponent: 0 }, "en-GB")).toBe("JP¥5,000");
    expect(formatMoney({ amount_minor: 12345, currency: "BHD", exponent: 3 }, "en-GB")).toBe("BHD 12.345");
    expect(formatMoney({ amount_minor: 0, currency: "EUR", exponent: 2 }, "en-GB")).toBe("€0.00");
  });

  it("trust the API's exponent over the browser's idea of the currency", () => {
    // ISO 4217 gives the Iraqi dinar three decimals; browsers' data gives it none.
    expect(formatMoney({ amount_minor: 1500, currency: "IQD", exponent: 3 }, "en-GB")).toBe("IQD 1.500");
  });

  it("are exact however large, and keep their sign", () => {
    expect(formatMoney({ amount_minor: 900719925474099, currency: "USD", exponent: 2 }, "en-US")).toBe(
      "$9,007,199,254,740.99",
    );
    expect(formatMoney({ amount_minor: -250, currency: "GBP", exponent: 2 }, "en-GB")).toBe("-£2.50");
    expect(decimalString(5, 2)).toBe("0.05");
    expect(decimalString(-5, 3)).toBe("-0.005");
    expect(decimalString(1500, 0)).toBe("1500");
  });

  it("add up only within one currency", () => {
    const gbp = (amount: number) => ({ amount_minor: amount, currency: "GBP", exponent: 2 });
    expect(sumMoney([gbp(100), gbp(250)])).toEqual(gbp(350));
    expect(sumMoney([gbp(100), { amount_minor: 5, currency: "JPY", exponent: 0 }])).toBeNull();
    expect(sumMoney([])).toBeNull();
  });
});

describe("amounts typed into forms", () => {
  it("become minor units by the exponent, from the digits", () => {
    expect(parseMajor("12.5", 2)).toBe(1250);
    expect(parseMajor("12.50", 2)).toBe(1250);
    expect(parseMajor("0.1", 2)).toBe(10);
    expect(parseMajor("1,250", 2)).toBe(125000);
    expect(parseMajor("1500", 0)).toBe(1500);
    expect(parseMajor("1.234", 3)).toBe(1234);
    expect(parseMajor(" 7 ", 2)).toBe(700);
  });

  it("refuse what is not an amount in that currency", () => {
    expect(parseMajor("", 2)).toBeNull();
    expect(parseMajor("-3", 2)).toBeNull();
    expect(parseMajor("1e3", 2)).toBeNull();
    expect(parseMajor("12.345", 2)).toBeNull();
    expect(parseMajor("1.5", 0)).toBeNull();
    expect(parseMajor("twelve", 2)).toBeNull();
  });

  it("show minor units in major units and back", () => {
    expect(toMajor(1250, 2)).toBe("12.50");
    expect(toMajor(1500, 0)).toBe("1500");
    expect(parseMajor(toMajor(1234, 3), 3)).toBe(1234);
  });
});

describe("artwork prices, which come without an exponent", () => {
  it("take the ISO 4217 one", () => {
    expect(currencyExponent("GBP")).toBe(2);
    expect(currencyExponent("jpy")).toBe(0);
    expect(currencyExponent("KWD")).toBe(3);
    expect(moneyOf(1500, "BHD")).toEqual({ amount_minor: 1500, currency: "BHD", exponent: 3 });
    expect(formatPrice({ amount_minor: 1500, currency: "BHD" }, "en-GB").replace(/\u00a0/g, " ")).toBe("BHD 1.500");
    expect(toMinorUnits("1.5", "BHD")).toBe(1500);
    expect(fromMinorUnits(1500, "BHD")).toBe("1.5");
  });
});
