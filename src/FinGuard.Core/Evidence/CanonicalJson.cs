using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace FinGuard.Core.Evidence;

/// <summary>
/// Deterministic JSON, so that a record's SHA-256 can be reproduced by anyone (documented in docs/evidence.md).
/// Rules, following RFC 8785 (JCS) where records need it:
/// object members sorted by key in ordinal UTF-16 order; no insignificant whitespace; strings escaped only
/// where JSON requires it (<c>"</c>, <c>\</c>, control characters as <c>\b \f \n \r \t</c> or <c>\u00XX</c>),
/// everything else emitted as UTF-8; integers without exponent or fraction; other numbers in their shortest
/// round-trip form; <c>true</c>, <c>false</c>, <c>null</c> literally.
/// </summary>
/// <remarks>
/// Written straight to UTF-8 bytes. A string or key whose source text has no backslash is already in canonical form
/// (JSON cannot hold a raw quote or control character), so its bytes are copied as they are, after the same UTF-8
/// check that decoding would make; only strings with escapes are decoded and re-escaped. Plain integers of up to
/// 18 digits are copied too; every other number takes the general path. Keys are compared as UTF-16 without being
/// decoded. Every evaluation canonicalises its record and each fact, so this is on the hot path.
/// </remarks>
public static class CanonicalJson
{
    public static byte[] Canonicalize(JsonElement element) => WithCanonical(element, static bytes => bytes.ToArray());

    public static byte[] Canonicalize(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        return Canonicalize(document.RootElement);
    }

    /// <summary>Lower-case hex SHA-256 of the canonical form of <paramref name="element"/>.</summary>
    public static string Sha256(JsonElement element) => WithCanonical(element, static bytes => Sha256Hex(bytes));

    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Writes the canonical form into a pooled buffer and hands it to <paramref name="use"/> before returning the buffer.</summary>
    internal static T WithCanonical<T>(JsonElement element, Func<ReadOnlySpan<byte>, T> use)
    {
        var output = new PooledBytes(4096);
        try
        {
            Write(element, ref output);
            return use(output.Written);
        }
        finally
        {
            output.Dispose();
        }
    }

    private static void Write(JsonElement element, ref PooledBytes output)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(element, ref output);
                break;
            case JsonValueKind.Array:
                output.Append((byte)'[');
                var firstItem = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!firstItem)
                    {
                        output.Append((byte)',');
                    }

                    firstItem = false;
                    Write(item, ref output);
                }

                output.Append((byte)']');
                break;
            case JsonValueKind.String:
                WriteString(JsonMarshal.GetRawUtf8Value(element), element, ref output);
                break;
            case JsonValueKind.Number:
                WriteNumber(element, ref output);
                break;
            case JsonValueKind.True:
                output.Append("true"u8);
                break;
            case JsonValueKind.False:
                output.Append("false"u8);
                break;
            case JsonValueKind.Null:
                output.Append("null"u8);
                break;
            default:
                throw new ArgumentException($"Cannot canonicalise a JSON value of kind {element.ValueKind}.", nameof(element));
        }
    }

    private static void WriteObject(JsonElement element, ref PooledBytes output)
    {
        var count = 0;
        foreach (var unused in element.EnumerateObject())
        {
            count++;
        }

        if (count == 0)
        {
            output.Append("{}"u8);
            return;
        }

        var properties = ArrayPool<JsonProperty>.Shared.Rent(count);
        var keys = ArrayPool<Key>.Shared.Rent(count);
        var names = new PooledBytes(4096);
        try
        {
            var index = 0;
            foreach (var property in element.EnumerateObject())
            {
                properties[index] = property;
                var raw = JsonMarshal.GetRawUtf8PropertyName(property);
                keys[index] = !raw.Contains((byte)'\\') && Utf8.IsValid(raw)
                    ? new Key(index, names.Length, raw.Length, null)
                    : new Key(index, 0, 0, property.Name);
                if (keys[index].Text is null)
                {
                    names.Append(raw);
                }

                index++;
            }

            var comparer = new KeyComparer(names.Buffer);
            var sorted = keys.AsSpan(0, count);
            if (!IsSorted(sorted, comparer))
            {
                sorted.Sort(comparer);
            }

            output.Append((byte)'{');
            for (var i = 0; i < count; i++)
            {
                if (i > 0)
                {
                    output.Append((byte)',');
                }

                var key = keys[i];
                if (key.Text is null)
                {
                    output.Append((byte)'"');
                    output.Append(names.Buffer.AsSpan(key.Start, key.Length));
                    output.Append((byte)'"');
                }
                else
                {
                    WriteEscaped(key.Text, ref output);
                }

                output.Append((byte)':');
                Write(properties[key.Index].Value, ref output);
            }

            output.Append((byte)'}');
        }
        finally
        {
            names.Dispose();
            ArrayPool<JsonProperty>.Shared.Return(properties, clearArray: true);
            ArrayPool<Key>.Shared.Return(keys, clearArray: true);
        }
    }

    /// <summary>Already in canonical order, as a record's facts are once canonicalised: n - 1 comparisons instead of a sort.</summary>
    private static bool IsSorted(ReadOnlySpan<Key> keys, KeyComparer comparer)
    {
        for (var i = 1; i < keys.Length; i++)
        {
            if (comparer.Compare(keys[i - 1], keys[i]) > 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A member's key: its source bytes at <see cref="Start"/> in the object's name buffer when they need no decoding
    /// (no escape, valid UTF-8), otherwise the decoded <see cref="Text"/>. <see cref="Index"/> is its position in the
    /// document, which orders duplicate keys.
    /// </summary>
    private readonly record struct Key(int Index, int Start, int Length, string? Text);

    /// <summary>Ordinal UTF-16 order of keys, ties (duplicate keys) in document order.</summary>
    private readonly struct KeyComparer(byte[] names) : IComparer<Key>
    {
        public int Compare(Key x, Key y)
        {
            var order = x.Text is null && y.Text is null
                ? CompareUtf8AsUtf16(names.AsSpan(x.Start, x.Length), names.AsSpan(y.Start, y.Length))
                : string.CompareOrdinal(TextOf(x), TextOf(y));
            return order != 0 ? order : x.Index.CompareTo(y.Index);
        }

        private string TextOf(Key key) => key.Text ?? Encoding.UTF8.GetString(names, key.Start, key.Length);
    }

    /// <summary>
    /// Ordinal UTF-16 order of two valid UTF-8 strings. UTF-8 byte order agrees with it except between a
    /// supplementary character (a surrogate pair, which sorts before U+E000 in UTF-16) and U+E000–U+FFFF.
    /// </summary>
    private static int CompareUtf8AsUtf16(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var common = a.CommonPrefixLength(b);
        if (common == a.Length || common == b.Length)
        {
            return a.Length.CompareTo(b.Length);
        }

        if (a[common] < 0x80 && b[common] < 0x80)
        {
            return a[common].CompareTo(b[common]);
        }

        // Back up to the start of the character that differs (the prefix before it is identical in both).
        var start = common;
        while (start > 0 && (a[start] & 0xC0) == 0x80)
        {
            start--;
        }

        Rune.DecodeFromUtf8(a[start..], out var runeA, out _);
        Rune.DecodeFromUtf8(b[start..], out var runeB, out _);
        var firstA = FirstUtf16Unit(runeA.Value);
        var firstB = FirstUtf16Unit(runeB.Value);
        return firstA != firstB ? firstA.CompareTo(firstB) : runeA.Value.CompareTo(runeB.Value);
    }

    private static int FirstUtf16Unit(int scalar) => scalar < 0x10000 ? scalar : 0xD800 + ((scalar - 0x10000) >> 10);

    /// <summary>Writes a string value, given its source text (<paramref name="raw"/>, quotes included).</summary>
    private static void WriteString(ReadOnlySpan<byte> raw, JsonElement element, ref PooledBytes output)
    {
        var content = raw[1..^1];
        if (!content.Contains((byte)'\\') && Utf8.IsValid(content))
        {
            output.Append(raw);
        }
        else
        {
            WriteEscaped(element.GetString()!, ref output);
        }
    }

    private static void WriteEscaped(string value, ref PooledBytes output)
    {
        output.Append((byte)'"');
        var span = value.AsSpan();
        while (!span.IsEmpty)
        {
            var next = span.IndexOfAny(MustEscape);
            var plain = next < 0 ? span : span[..next];
            if (!plain.IsEmpty)
            {
                output.AppendUtf8(plain);
            }

            if (next < 0)
            {
                break;
            }

            var c = span[next];
            switch (c)
            {
                case '"': output.Append("\\\""u8); break;
                case '\\': output.Append("\\\\"u8); break;
                case '\b': output.Append("\\b"u8); break;
                case '\f': output.Append("\\f"u8); break;
                case '\n': output.Append("\\n"u8); break;
                case '\r': output.Append("\\r"u8); break;
                case '\t': output.Append("\\t"u8); break;
                default:
                    output.Append("\\u00"u8);
                    output.Append((byte)HexLower[c >> 4]);
                    output.Append((byte)HexLower[c & 0xF]);
                    break;
            }

            span = span[(next + 1)..];
        }

        output.Append((byte)'"');
    }

    private const string HexLower = "0123456789abcdef";

    private static readonly SearchValues<char> MustEscape = SearchValues.Create(
        "\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000a\u000b\u000c\u000d\u000e\u000f" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f");

    private static void WriteNumber(JsonElement element, ref PooledBytes output)
    {
        var raw = JsonMarshal.GetRawUtf8Value(element);
        if (IsPlainInteger(raw))
        {
            output.Append(raw);
            return;
        }

        output.AppendUtf8(FormatNumber(element).AsSpan());
    }

    /// <summary><c>0</c>, or an optional minus and 1–18 digits without a leading zero: a long, already canonical.</summary>
    private static bool IsPlainInteger(ReadOnlySpan<byte> raw)
    {
        var digits = raw.Length > 0 && raw[0] == (byte)'-' ? raw[1..] : raw;
        if (digits.Length is 0 or > 18 || (digits[0] == (byte)'0' && (digits.Length > 1 || digits.Length != raw.Length)))
        {
            return false;
        }

        return !digits.ContainsAnyExceptInRange((byte)'0', (byte)'9');
    }

    private static string FormatNumber(JsonElement element)
    {
        if (element.TryGetInt64(out var integer))
        {
            return integer.ToString(CultureInfo.InvariantCulture);
        }

        if (element.TryGetDecimal(out var dec) && dec == decimal.Truncate(dec) && Math.Abs(dec) < 1e28m)
        {
            return decimal.Truncate(dec).ToString(CultureInfo.InvariantCulture);
        }

        var d = element.GetDouble();
        if (double.IsNaN(d) || double.IsInfinity(d))
        {
            throw new ArgumentException("NaN and infinity have no JSON form.", nameof(element));
        }

        return d.ToString("R", CultureInfo.InvariantCulture);
    }
}
