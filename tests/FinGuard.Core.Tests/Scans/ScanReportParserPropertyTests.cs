using System.Text;
using System.Text.Json.Nodes;
using FinGuard.Core.Scans;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace FinGuard.Core.Tests.Scans;

/// <summary>
/// <see cref="ScanReportParser.Parse"/> never throws: random bytes, random JSON built from the formats' own keys,
/// truncated samples and samples with values replaced by other types all end in a report or a format error.
/// </summary>
public sealed class ScanReportParserPropertyTests
{
    [Property(MaxTest = 500)]
    public bool Random_bytes_never_throw(byte[] bytes) => Outcome(bytes) is not null;

    [Property(MaxTest = 300, Arbitrary = new[] { typeof(ScanArbitraries) })]
    public bool Random_json_with_scanner_keys_never_throws(ScannerLikeJson json) => Outcome(json.Bytes) is not null;

    [Property(MaxTest = 300, Arbitrary = new[] { typeof(ScanArbitraries) })]
    public bool Truncated_samples_are_format_errors(Truncation truncation)
    {
        var bytes = ScanSamples.Bytes(truncation.Sample);
        var length = truncation.Fraction * bytes.Length / 1000;
        var cut = bytes.AsSpan(0, length);
        var result = ScanReportParser.Parse(cut);

        // Cutting only trailing whitespace leaves a complete document; every other cut is invalid JSON.
        return cut.TrimEnd(" \t\r\n"u8).Length == bytes.AsSpan().TrimEnd(" \t\r\n"u8).Length ? result.IsParsed : !result.IsParsed && result.Error.Message.Length > 0;
    }

    [Property(MaxTest = 1000, Arbitrary = new[] { typeof(ScanArbitraries) })]
    public bool Mutated_samples_never_throw(Mutation mutation) => Outcome(mutation.Apply()) is not null;

    [Property(MaxTest = 25, Arbitrary = new[] { typeof(ScanArbitraries) })]
    public bool Samples_with_huge_arrays_spliced_in_never_throw(HugeArraySplice splice) => Outcome(splice.Apply()) is not null;

    /// <summary>The parse result, or a failed assertion naming the exception, with the input printed for replay.</summary>
    private static ScanParseResult? Outcome(byte[] bytes)
    {
        try
        {
            var result = ScanReportParser.Parse(bytes);
            return result.IsParsed || !string.IsNullOrEmpty(result.Error.Message) ? result : null;
        }
        catch (Exception ex)
        {
            Assert.Fail($"Parse threw {ex.GetType().Name}: {ex.Message}\ninput: {Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, 2000)])}");
            return null;
        }
    }
}

public sealed record ScannerLikeJson(string Text)
{
    public byte[] Bytes => Encoding.UTF8.GetBytes(Text);

    public override string ToString() => Text;
}

/// <summary>The first <see cref="Fraction"/>/1000 of <see cref="Sample"/>'s bytes.</summary>
public sealed record Truncation(string Sample, int Fraction);

/// <summary>
/// Replaces (or removes) the nodes at the given document-order positions of a sample with other values. Replacements
/// are spliced in as text through placeholder strings, so values the serializer would refuse (an unpaired surrogate
/// escape, nesting past its depth) reach the parser as written.
/// </summary>
public sealed record Mutation(string Sample, (int Position, JsonReplacement Replacement)[] Edits)
{
    public byte[] Apply()
    {
        var root = JsonNode.Parse(ScanSamples.Bytes(Sample))!;
        var splices = new Dictionary<string, string>();
        foreach (var (position, replacement) in Edits)
        {
            var nodes = new List<JsonNode>();
            Collect(root, nodes);
            if (nodes.Count == 0)
            {
                break;
            }

            var target = nodes[position % nodes.Count];
            if (replacement.Remove && target.Parent is JsonObject owner)
            {
                owner.Remove(target.GetPropertyName());
            }
            else if (replacement.Remove && target.Parent is JsonArray array)
            {
                array.RemoveAt(target.GetElementIndex());
            }
            else
            {
                var marker = $"__finguard_splice_{splices.Count}__";
                splices[$"\"{marker}\""] = replacement.Json;
                target.ReplaceWith(marker);
            }
        }

        var text = new StringBuilder(root.ToJsonString());
        foreach (var (marker, json) in splices)
        {
            text.Replace(marker, json);
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public override string ToString() => $"{Sample}: {string.Join("; ", Edits.Select(e => $"#{e.Position} -> {e.Replacement}"))}";

    /// <summary>Every node but the root, in document order (null values are skipped: they have no node to replace).</summary>
    private static void Collect(JsonNode node, List<JsonNode> nodes)
    {
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a,
            _ => [],
        };
        foreach (var child in children)
        {
            if (child is not null)
            {
                nodes.Add(child);
                Collect(child, nodes);
            }
        }
    }
}

/// <summary>A replacement JSON value as text, or a removal.</summary>
public sealed record JsonReplacement(string Json, bool Remove)
{
    public override string ToString() => Remove ? "remove" : Json;
}

/// <summary>A sample with one node replaced by an array of <see cref="Count"/> copies of <see cref="Item"/>.</summary>
public sealed record HugeArraySplice(string Sample, int Position, string Item, int Count)
{
    public byte[] Apply()
    {
        var huge = $"[{string.Join(",", Enumerable.Repeat(Item, Count))}]";
        return new Mutation(Sample, [(Position, new JsonReplacement(huge, false))]).Apply();
    }

    public override string ToString() => $"{Sample}: #{Position} -> [{Item} x {Count}]";
}

public static class ScanArbitraries
{
    /// <summary>Keys and values the readers look at, so random documents reach deep into them.</summary>
    private static readonly string[] Keys =
    [
        "runs", "version", "$schema", "results", "errors", "paths", "tool", "driver", "extensions", "name", "rules", "id",
        "defaultConfiguration", "level", "kind", "suppressions", "status", "ruleId", "ruleIndex", "rule", "index",
        "toolComponent", "properties", "security-severity", "message", "text", "messageStrings", "locations",
        "physicalLocation", "artifactLocation", "uri", "region", "startLine", "artifacts", "location",
        "partialFingerprints", "fingerprints", "invocations", "executionSuccessful", "exitCode",
        "toolExecutionNotifications", "toolConfigurationNotifications", "descriptor", "check_id", "path", "start", "line",
        "extra", "severity", "fingerprint", "is_ignored", "type", "long_msg", "short_msg", "\\ud800", "\\udc00x",
    ];

    private static readonly string[] Strings =
    [
        "2.1.0", "2.0.0", "https://json.schemastore.org/sarif-2.1.0.json", "error", "warning", "note", "none", "fail", "pass",
        "notApplicable", "accepted", "underReview", "rejected", "ERROR", "WARNING", "INFO", "CRITICAL", "low", "EXPERIMENT",
        "warn", "info", "9.8", "7", "0.0", "-3", "NaN", "Infinity", "1e400", "", "\\ud800", "\\u0000", "x/y", "ExampleScanner",
    ];

    private static readonly string[] Scalars =
    [
        "null", "true", "false", "0", "-1", "1", "2", "7.5", "9.99", "1e308", "1e400", "-1e400", "2147483648", "-2147483649",
        "0.0000001", "12345678901234567890",
    ];

    public static Arbitrary<ScannerLikeJson> ScannerLikeJsonArbitrary() =>
        Gen.Sized(size => Header().SelectMany(header => Members(Math.Min(size, 8))
            .Select(members => new ScannerLikeJson($"{{{string.Join(", ", header.Concat(members.Where(m => !header.Any(h => h.Split(':')[0] == m.Split(':')[0]))))}}}"))))
            .ToArbitrary();

    public static Arbitrary<Truncation> TruncationArbitrary() =>
        Gen.Elements(ScanSamples.Names.ToArray())
            .SelectMany(sample => Gen.Choose(0, 999).Select(fraction => new Truncation(sample, fraction)))
            .ToArbitrary();

    public static Arbitrary<Mutation> MutationArbitrary() =>
        Gen.Elements(ScanSamples.Names.ToArray())
            .SelectMany(sample => Gen.Choose(1, 3).SelectMany(count => Gen.ArrayOf(Edit(), count)).Select(edits => new Mutation(sample, edits)))
            .ToArbitrary();

    public static Arbitrary<HugeArraySplice> HugeArraySpliceArbitrary() =>
        Gen.Elements(ScanSamples.Names.ToArray())
            .SelectMany(sample => Gen.Choose(0, 400).SelectMany(position =>
                Gen.Elements("0", "{}", "[]", "\"x\"", "{\"ruleId\": \"r\", \"message\": {\"text\": \"m\"}}", "{\"check_id\": \"r\", \"path\": \"p\", \"extra\": {\"message\": \"m\", \"severity\": \"ERROR\"}}")
                    .SelectMany(item => Gen.Choose(10_000, 100_000).Select(count => new HugeArraySplice(sample, position, item, count)))))
            .ToArbitrary();

    private static Gen<(int, JsonReplacement)> Edit() =>
        Gen.Choose(0, 2000).SelectMany(position => Replacement().Select(replacement => (position, replacement)));

    private static Gen<JsonReplacement> Replacement() =>
        Gen.Frequency(
            (3, Gen.Constant(new JsonReplacement("null", true))),
            (16, Gen.Sized(size => Value(Math.Min(size, 4))).Select(json => new JsonReplacement(json, false))),
            (1, Gen.Choose(40, 90).Select(depth => new JsonReplacement(new string('[', depth) + new string(']', depth), false))));

    /// <summary>The start of a top-level object that claims SARIF, Semgrep JSON, or nothing.</summary>
    private static Gen<string[]> Header() =>
        Gen.Elements<string[]>(
            ["\"version\": \"2.1.0\""],
            ["\"$schema\": \"sarif\""],
            ["\"errors\": []"],
            ["\"version\": \"1.97.0\""],
            ["\"version\": \"2.1.0\"", "\"runs\": []"],
            []);

    private static Gen<string> Value(int depth) =>
        depth <= 0
            ? Scalar()
            : Gen.Frequency(
                (3, Scalar()),
                (3, Members(depth - 1).Select(members => $"{{{string.Join(", ", members)}}}")),
                (2, Gen.Choose(0, 4).SelectMany(count => Gen.ArrayOf(Value(depth - 1), count)).Select(items => $"[{string.Join(", ", items)}]")));

    /// <summary>Up to five members with distinct keys (duplicates are rejected before any reader runs).</summary>
    private static Gen<string[]> Members(int depth) =>
        Gen.Choose(0, 5)
            .SelectMany(count => Gen.ArrayOf(Gen.Elements(Keys), count))
            .SelectMany(keys => Gen.ArrayOf(Value(depth), keys.Distinct().Count())
                .Select(values => keys.Distinct().Zip(values, (key, value) => $"\"{key}\": {value}").ToArray()));

    private static Gen<string> Scalar() =>
        Gen.OneOf(Gen.Elements(Scalars), Gen.Elements(Strings).Select(s => $"\"{s}\""));
}
