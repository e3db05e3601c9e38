using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace FinGuard.Core.Evidence;

/// <summary>
/// Deterministic JSON, so that a record's SHA-256 can be reproduced by anyone (documented in docs/evidence.md).
/// Rules, following RFC 8785 (JCS) where records need it:
/// object members sorted by key in ordinal UTF-16 order; no insignificant whitespace; strings escaped only
/// where JSON requires it (<c>"</c>, <c>\</c>, control characters as <c>\b \f \n \r \t</c> or <c>\u00XX</c>),
/// everything else emitted as UTF-8; integers without exponent or fraction; other numbers in their shortest
/// round-trip form; <c>true</c>, <c>false</c>, <c>null</c> literally.
/// </summary>
public static class CanonicalJson
{
    public static byte[] Canonicalize(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, SkipValidation = true }))
        {
            Write(element, writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Canonicalize(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        return Canonicalize(document.RootElement);
    }

    /// <summary>Lower-case hex SHA-256 of the canonical form of <paramref name="element"/>.</summary>
    public static string Sha256(JsonElement element) => Sha256Hex(Canonicalize(element));

    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static void Write(JsonElement element, Utf8JsonWriter writer)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteRawValue("{", skipInputValidation: true);
                var first = true;
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        writer.WriteRawValue(",", skipInputValidation: true);
                    }

                    first = false;
                    writer.WriteRawValue(EscapeString(property.Name) + ":", skipInputValidation: true);
                    Write(property.Value, writer);
                }

                writer.WriteRawValue("}", skipInputValidation: true);
                break;
            case JsonValueKind.Array:
                writer.WriteRawValue("[", skipInputValidation: true);
                var firstItem = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!firstItem)
                    {
                        writer.WriteRawValue(",", skipInputValidation: true);
                    }

                    firstItem = false;
                    Write(item, writer);
                }

                writer.WriteRawValue("]", skipInputValidation: true);
                break;
            case JsonValueKind.String:
                writer.WriteRawValue(EscapeString(element.GetString()!), skipInputValidation: true);
                break;
            case JsonValueKind.Number:
                writer.WriteRawValue(FormatNumber(element), skipInputValidation: true);
                break;
            case JsonValueKind.True:
                writer.WriteRawValue("true", skipInputValidation: true);
                break;
            case JsonValueKind.False:
                writer.WriteRawValue("false", skipInputValidation: true);
                break;
            case JsonValueKind.Null:
                writer.WriteRawValue("null", skipInputValidation: true);
                break;
            default:
                throw new ArgumentException($"Cannot canonicalise a JSON value of kind {element.ValueKind}.", nameof(element));
        }
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

    internal static string EscapeString(string value)
    {
        var builder = new StringBuilder(value.Length + 2);
        builder.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        builder.Append('"');
        return builder.ToString();
    }
}
