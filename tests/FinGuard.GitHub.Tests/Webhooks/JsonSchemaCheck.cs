using System.Text.Json;

namespace FinGuard.GitHub.Tests.Webhooks;

/// <summary>
/// A deliberately small JSON Schema (draft-07) check for hand-written payload files: <c>$ref</c> into
/// <c>#/definitions</c>, <c>oneOf</c>/<c>anyOf</c> (both as "at least one"), <c>allOf</c>, <c>type</c>, <c>enum</c>, <c>required</c>,
/// <c>properties</c>, <c>additionalProperties: false</c> and array <c>items</c>. Formats and numeric limits are ignored.
/// </summary>
internal sealed class JsonSchemaCheck(JsonElement schemaDocument)
{
    private readonly JsonElement _definitions = schemaDocument.GetProperty("definitions");

    /// <summary>The problems found validating <paramref name="value"/> against <c>#/definitions/{definition}</c>; empty when it conforms.</summary>
    public IReadOnlyList<string> Validate(JsonElement value, string definition)
    {
        var errors = new List<string>();
        Check(_definitions.GetProperty(definition), value, "$", errors);
        return errors;
    }

    private void Check(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        if (schema.ValueKind == JsonValueKind.True)
        {
            return;
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!;
            const string prefix = "#/definitions/";
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
            {
                errors.Add($"{path}: unsupported $ref {name}");
                return;
            }

            Check(_definitions.GetProperty(name[prefix.Length..]), value, path, errors);
            return;
        }

        if (schema.TryGetProperty("allOf", out var allOf))
        {
            foreach (var part in allOf.EnumerateArray())
            {
                Check(part, value, path, errors);
            }
        }

        foreach (var keyword in (string[])["oneOf", "anyOf"])
        {
            if (schema.TryGetProperty(keyword, out var alternatives))
            {
                var failures = new List<string>();
                var matched = false;
                foreach (var alternative in alternatives.EnumerateArray())
                {
                    var attempt = new List<string>();
                    Check(alternative, value, path, attempt);
                    if (attempt.Count == 0)
                    {
                        matched = true;
                        break;
                    }

                    failures.AddRange(attempt);
                }

                if (!matched)
                {
                    errors.Add($"{path}: matches no {keyword} alternative ({string.Join("; ", failures.Take(5))})");
                }
            }
        }

        if (schema.TryGetProperty("type", out var type) && !HasType(value, type))
        {
            errors.Add($"{path}: expected {type.GetRawText()}, got {value.ValueKind}");
            return;
        }

        if (schema.TryGetProperty("enum", out var allowed) && !allowed.EnumerateArray().Any(option => JsonElement.DeepEquals(option, value)))
        {
            errors.Add($"{path}: {value.GetRawText()} is not one of {allowed.GetRawText()}");
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            CheckObject(schema, value, path, errors);
        }
        else if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Object)
        {
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                Check(items, item, $"{path}[{index++}]", errors);
            }
        }
    }

    private void CheckObject(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var key in required.EnumerateArray().Select(k => k.GetString()!))
            {
                if (!value.TryGetProperty(key, out _))
                {
                    errors.Add($"{path}: required property '{key}' is missing");
                }
            }
        }

        var properties = schema.TryGetProperty("properties", out var p) ? p : default;
        var closed = schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False;
        foreach (var property in value.EnumerateObject())
        {
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                Check(propertySchema, property.Value, $"{path}.{property.Name}", errors);
            }
            else if (closed)
            {
                errors.Add($"{path}: property '{property.Name}' is not allowed");
            }
        }
    }

    private static bool HasType(JsonElement value, JsonElement type) => type.ValueKind switch
    {
        JsonValueKind.String => HasType(value, type.GetString()!),
        JsonValueKind.Array => type.EnumerateArray().Any(t => HasType(value, t.GetString()!)),
        _ => true,
    };

    private static bool HasType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        _ => true,
    };
}
