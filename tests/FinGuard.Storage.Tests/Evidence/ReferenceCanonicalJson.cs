using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FinGuard.Storage.Tests.Evidence;

/// <summary>
/// The oracle for <see cref="FinGuard.Core.Evidence.CanonicalJson"/>: its implementation up to 2026-12-03, kept
/// unchanged (a <see cref="StringBuilder"/> of UTF-16, keys sorted with LINQ), because every record written before
/// then was hashed with it and the faster writer must produce the same bytes. Original summary:
/// Deterministic JSON, so that a record's SHA-256 can be reproduced by anyone (documented in docs/evidence.md).
/// Rules, following RFC 8785 (JCS) where records need it:
/// object members sorted by key in ordinal UTF-16 order; no insignificant whitespace; strings escaped only
/// where JSON requires it (<c>"</c>, <c>\</c>, control characters as <c>\b \f \n \r \t</c> or <c>\u00XX</c>),
/// everything else emitted as UTF-8; integers without exponent or fraction; other numbers in their shortest
/// round-trip form; <c>true</c>, <c>false</c>, <c>null</c> literally.
/// </summary>
internal static class ReferenceCanonicalJson
{
    public static byte[] Canonicalize(JsonElement element)
    {
        var builder = new StringBuilder();
        Write(element, builder);
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private static void Write(JsonElement element, StringBuilder output)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                output.Append('{');
                var first = true;
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        output.Append(',');
                    }

                    first = false;
                    AppendString(property.Name, output);
                    output.Append(':');
                    Write(property.Value, output);
                }

                output.Append('}');
                break;
            case JsonValueKind.Array:
                output.Append('[');
                var firstItem = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!firstItem)
                    {
                        output.Append(',');
                    }

                    firstItem = false;
                    Write(item, output);
                }

                output.Append(']');
                break;
            case JsonValueKind.String:
                AppendString(element.GetString()!, output);
                break;
            case JsonValueKind.Number:
                output.Append(FormatNumber(element));
                break;
            case JsonValueKind.True:
                output.Append("true");
                break;
            case JsonValueKind.False:
                output.Append("false");
                break;
            case JsonValueKind.Null:
                output.Append("null");
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

    private static void AppendString(string value, StringBuilder builder)
    {
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
    }
}
