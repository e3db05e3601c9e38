using System.Text.Json;

namespace FinGuard.Core.Scans;

/// <summary>
/// Thrown inside the scan readers at the first value they cannot use; <see cref="ScanReportParser"/> turns it into a
/// <see cref="ScanFormatError"/>. It never leaves the parser.
/// </summary>
internal sealed class ScanFormatException(string message) : Exception(message);

/// <summary>
/// Typed access to the fields the scan readers need, each naming its JSON path in the error. A JSON <c>null</c> is
/// treated as absent; a present value of the wrong type is an error; fields nobody asks for are never looked at.
/// </summary>
internal static class ScanJson
{
    public static string Child(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    public static string Item(string path, int index) => $"{path}[{index}]";

    public static JsonElement? Optional(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public static JsonElement RequiredObject(JsonElement parent, string name, string path) =>
        OptionalObject(parent, name, path) ?? throw Missing(path, name, "an object");

    // The child's path is built only for an error: a report reads tens of thousands of fields, and building each one's
    // path up front made the path strings a large share of what parsing a report allocated.
    public static JsonElement? OptionalObject(JsonElement parent, string name, string path) =>
        Optional(parent, name) is { } value
            ? value.ValueKind == JsonValueKind.Object ? value : throw WrongType(Child(path, name), "an object", value)
            : null;

    public static JsonElement ExpectObject(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.Object ? value : throw WrongType(path, "an object", value);

    public static JsonElement RequiredArray(JsonElement parent, string name, string path) =>
        OptionalArray(parent, name, path) ?? throw Missing(path, name, "an array");

    public static JsonElement? OptionalArray(JsonElement parent, string name, string path) =>
        Optional(parent, name) is { } value
            ? value.ValueKind == JsonValueKind.Array ? value : throw WrongType(Child(path, name), "an array", value)
            : null;

    public static string RequiredString(JsonElement parent, string name, string path) =>
        OptionalString(parent, name, path) ?? throw Missing(path, name, "a string");

    public static string? OptionalString(JsonElement parent, string name, string path) =>
        Optional(parent, name) is { } value ? Text(value, path, name) : null;

    /// <summary>The string value, or an error when it is not a string or is not valid text (a lone surrogate escape).</summary>
    public static string Text(JsonElement value, string path) => Text(value, path, name: null);

    /// <summary>As <see cref="Text(JsonElement, string)"/> for the value at <paramref name="path"/>.<paramref name="name"/>.</summary>
    private static string Text(JsonElement value, string path, string? name)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw WrongType(name is null ? path : Child(path, name), "a string", value);
        }

        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new ScanFormatException($"{(name is null ? path : Child(path, name))}: the string is not valid Unicode text (an unpaired surrogate escape)");
        }
    }

    public static bool? OptionalBoolean(JsonElement parent, string name, string path) =>
        Optional(parent, name) is { } value
            ? value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw WrongType(Child(path, name), "true or false", value),
            }
            : null;

    /// <summary>An integer within [<paramref name="minimum"/>, <see cref="int.MaxValue"/>], or null when absent.</summary>
    public static int? OptionalInteger(JsonElement parent, string name, string path, int minimum)
    {
        if (Optional(parent, name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            throw WrongType(Child(path, name), $"an integer of at least {minimum}", value);
        }

        return number >= minimum
            ? number
            : throw new ScanFormatException($"{Child(path, name)}: {number} is less than {minimum}");
    }

    public static ScanFormatException Missing(string path, string name, string expected) =>
        new($"{Child(path, name)}: required, expected {expected}");

    public static ScanFormatException WrongType(string path, string expected, JsonElement value) =>
        new($"{path}: expected {expected}, found {Describe(value)}");

    /// <summary>A short description of a value for error messages: its kind, and for short scalars the value itself.</summary>
    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => value.GetRawText() is { Length: <= 40 } raw ? $"the string {raw}" : "a long string",
        JsonValueKind.Number => value.GetRawText() is { Length: <= 24 } raw ? $"the number {raw}" : "a number",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>A value quoted for a message, shortened so an error never carries much of the file.</summary>
    public static string Quote(string text)
    {
        if (text.Length <= 40)
        {
            return $"\"{text}\"";
        }

        var cut = char.IsHighSurrogate(text[36]) ? 36 : 37;
        return $"\"{text[..cut]}...\"";
    }
}
