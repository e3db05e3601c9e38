using System.Globalization;
using System.Text.Json;

namespace FinGuard.GitHub.Tests.Webhooks;

/// <summary>Reads expected values straight from a raw payload with <see cref="JsonDocument"/>, independently of the models.</summary>
internal static class RawJson
{
    /// <summary>The element at a dotted path (<c>pull_request.head.sha</c>, <c>labels.0.name</c>); null when absent or JSON null.</summary>
    public static JsonElement? At(JsonElement root, string path)
    {
        var current = root;
        foreach (var segment in path.Split('.'))
        {
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(segment, out var child))
            {
                current = child;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(segment, CultureInfo.InvariantCulture, out var index) && index < current.GetArrayLength())
            {
                current = current[index];
            }
            else
            {
                return null;
            }
        }

        return current.ValueKind == JsonValueKind.Null ? null : current;
    }

    public static string? String(JsonElement root, string path) => At(root, path)?.GetString();

    public static long? Int64(JsonElement root, string path) => At(root, path)?.GetInt64();

    public static bool? Boolean(JsonElement root, string path) => At(root, path)?.GetBoolean();

    public static int Count(JsonElement root, string path) => At(root, path) is { ValueKind: JsonValueKind.Array } array ? array.GetArrayLength() : 0;

    public static IReadOnlyList<string?> Strings(JsonElement root, string arrayPath, string itemPath)
    {
        if (At(root, arrayPath) is not { ValueKind: JsonValueKind.Array } array)
        {
            return [];
        }

        return [.. array.EnumerateArray().Select(item => itemPath.Length == 0 ? item.GetString() : String(item, itemPath))];
    }

    public static DateTimeOffset? Timestamp(JsonElement root, string path) => At(root, path) switch
    {
        { ValueKind: JsonValueKind.String } s => DateTimeOffset.Parse(s.GetString()!, CultureInfo.InvariantCulture),
        { ValueKind: JsonValueKind.Number } n => DateTimeOffset.FromUnixTimeSeconds(n.GetInt64()),
        _ => null,
    };

    /// <summary>
    /// Asserts that <paramref name="actual"/> (the re-serialised model) holds every key and value of
    /// <paramref name="expected"/> (the original payload), recursively. The model may add keys only with null
    /// values (modelled fields the payload omitted). Timestamps may change format but not instant.
    /// </summary>
    public static void AssertContainsEverything(JsonElement expected, JsonElement actual, string path = "$")
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                Assert.True(actual.ValueKind == JsonValueKind.Object, $"{path}: expected an object, got {actual.ValueKind}");
                var actualKeys = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in actual.EnumerateObject())
                {
                    actualKeys.Add(property.Name);
                }

                foreach (var property in expected.EnumerateObject())
                {
                    Assert.True(actual.TryGetProperty(property.Name, out var actualValue), $"{path}.{property.Name} was lost in the round trip");
                    AssertContainsEverything(property.Value, actualValue, $"{path}.{property.Name}");
                    actualKeys.Remove(property.Name);
                }

                foreach (var extra in actualKeys)
                {
                    Assert.True(actual.GetProperty(extra).ValueKind == JsonValueKind.Null, $"{path}.{extra} was invented by the round trip");
                }

                break;
            case JsonValueKind.Array:
                Assert.True(actual.ValueKind == JsonValueKind.Array, $"{path}: expected an array, got {actual.ValueKind}");
                Assert.True(expected.GetArrayLength() == actual.GetArrayLength(), $"{path}: array length changed");
                for (var i = 0; i < expected.GetArrayLength(); i++)
                {
                    AssertContainsEverything(expected[i], actual[i], $"{path}[{i}]");
                }

                break;
            default:
                if (!JsonElement.DeepEquals(expected, actual) && !SameInstant(expected, actual))
                {
                    Assert.Fail($"{path}: {expected.GetRawText()} became {actual.GetRawText()}");
                }

                break;
        }
    }

    private static bool SameInstant(JsonElement expected, JsonElement actual)
    {
        if (actual.ValueKind != JsonValueKind.String || !actual.TryGetDateTimeOffset(out var after))
        {
            return false;
        }

        return expected.ValueKind switch
        {
            JsonValueKind.String => expected.TryGetDateTimeOffset(out var before) && before == after,
            JsonValueKind.Number => expected.TryGetInt64(out var seconds) && DateTimeOffset.FromUnixTimeSeconds(seconds) == after,
            _ => false,
        };
    }
}
