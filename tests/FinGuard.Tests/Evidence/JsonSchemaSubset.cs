using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FinGuard.Tests.Evidence;

/// <summary>
/// A validator for exactly the JSON Schema (draft 2020-12) keywords docs/evidence.schema.json uses: <c>type</c> (a name
/// or a list), <c>required</c>, <c>properties</c>, <c>additionalProperties: false</c>, <c>items</c>, <c>enum</c>,
/// <c>pattern</c> (ECMAScript-style, checked with .NET regular expressions, unanchored as the spec says),
/// <c>minimum</c> and <c>$ref</c> into <c>#/$defs/</c>. Any other keyword in the schema is reported as unsupported, so the
/// schema cannot silently grow beyond what is checked.
/// </summary>
internal sealed class JsonSchemaSubset(JsonElement schema)
{
    private static readonly HashSet<string> Supported =
        ["$schema", "$id", "$defs", "$ref", "title", "description", "type", "required", "properties", "additionalProperties", "items", "enum", "pattern", "minimum"];

    public IReadOnlyList<string> Validate(JsonElement value)
    {
        var errors = new List<string>();
        Check(schema, value, "$", errors);
        return errors;
    }

    private void Check(JsonElement node, JsonElement value, string path, List<string> errors)
    {
        foreach (var keyword in node.EnumerateObject())
        {
            if (!Supported.Contains(keyword.Name))
            {
                errors.Add($"{path}: schema keyword '{keyword.Name}' is not supported by this validator");
            }
        }

        if (node.TryGetProperty("$ref", out var reference))
        {
            const string prefix = "#/$defs/";
            var name = reference.GetString()!;
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
            {
                errors.Add($"{path}: unsupported $ref {name}");
                return;
            }

            Check(schema.GetProperty("$defs").GetProperty(name[prefix.Length..]), value, path, errors);
            return;
        }

        if (node.TryGetProperty("type", out var type))
        {
            var allowed = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
            if (!allowed.Any(t => IsType(value, t)))
            {
                errors.Add($"{path}: is {value.ValueKind}, expected {string.Join(" or ", allowed)}");
                return;
            }
        }

        if (node.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => JsonElement.DeepEquals(v, value)))
        {
            errors.Add($"{path}: {value.GetRawText()} is not one of {values.GetRawText()}");
        }

        if (node.TryGetProperty("pattern", out var pattern) && value.ValueKind == JsonValueKind.String
            && !Regex.IsMatch(value.GetString()!, pattern.GetString()!, RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            errors.Add($"{path}: \"{value.GetString()}\" does not match {pattern.GetString()}");
        }

        if (node.TryGetProperty("minimum", out var minimum) && value.ValueKind == JsonValueKind.Number && value.GetDecimal() < minimum.GetDecimal())
        {
            errors.Add($"{path}: {value.GetRawText()} is below the minimum {minimum.GetRawText()}");
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            if (node.TryGetProperty("required", out var required))
            {
                foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
                {
                    if (!value.TryGetProperty(name, out _))
                    {
                        errors.Add($"{path}: required property '{name}' is missing");
                    }
                }
            }

            var properties = node.TryGetProperty("properties", out var p) ? p : default;
            foreach (var property in value.EnumerateObject())
            {
                if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
                {
                    Check(propertySchema, property.Value, $"{path}.{property.Name}", errors);
                }
                else if (node.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False)
                {
                    errors.Add($"{path}: property '{property.Name}' is not in the schema");
                }
            }
        }

        if (value.ValueKind == JsonValueKind.Array && node.TryGetProperty("items", out var items))
        {
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                Check(items, item, string.Create(CultureInfo.InvariantCulture, $"{path}[{index++}]"), errors);
            }
        }
    }

    private static bool IsType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var d) && d == decimal.Truncate(d),
        _ => throw new ArgumentException($"Unknown JSON Schema type '{type}'.", nameof(type)),
    };
}
