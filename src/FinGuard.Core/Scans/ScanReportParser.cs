using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace FinGuard.Core.Scans;

/// <summary>
/// Reads one scanner output file — Semgrep <c>--json</c> or SARIF 2.1.0, told apart by their top-level keys — into a
/// normalised <see cref="ScanReport"/>. Tolerant of fields it does not need, strict about the ones it does: a needed
/// field that is missing, of the wrong type or out of its allowed values makes the whole file a
/// <see cref="ScanFormatError"/> naming the JSON path, because a half-read report could hide findings.
/// </summary>
/// <remarks>
/// Never throws on any input: invalid UTF-8 or JSON, files over <see cref="MaxInputBytes"/>, nesting deeper than
/// <see cref="MaxDepth"/>, duplicate keys and wrong types are all a <see cref="ScanFormatError"/>.
/// <list type="bullet">
/// <item>SARIF: a <c>runs</c> key, and <c>version</c> <c>"2.1.0"</c> or a <c>$schema</c> mentioning <c>sarif</c>.</item>
/// <item>Semgrep JSON: a <c>results</c> array, and an <c>errors</c> array, a <c>version</c> or a <c>paths</c> key.</item>
/// </list>
/// </remarks>
public static class ScanReportParser
{
    /// <summary>Largest file read: 100 MiB. Semgrep and SARIF output of a large monorepo is a few MiB.</summary>
    public const int MaxInputBytes = 100 * 1024 * 1024;

    /// <summary>Deepest JSON nesting read. CodeQL's code flows, the deepest real output, nest about 15 levels.</summary>
    public const int MaxDepth = 64;

    private const string Neither = "neither SARIF 2.1.0 nor Semgrep JSON: ";

    /// <summary>Top-level keys Semgrep --json always writes next to <c>results</c> (<c>version</c> since 0.92).</summary>
    private static readonly string[] SemgrepKeys = ["errors", "version", "paths"];

    public static ScanParseResult Parse(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxInputBytes)
        {
            return Failed(null, $"the file is {utf8.Length} bytes, over the {MaxInputBytes / (1024 * 1024)} MiB limit for scanner output");
        }

        if (utf8.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || utf8.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return Failed(null, "the file is UTF-16; scanner output must be UTF-8");
        }

        if (utf8.StartsWith("\uFEFF"u8))
        {
            utf8 = utf8[3..];
        }

        if (!Utf8.IsValid(utf8))
        {
            return Failed(null, $"the file is not valid UTF-8 (byte {FirstInvalidUtf8Byte(utf8) + 1})");
        }

        if (utf8.Trim(" \t\r\n"u8).IsEmpty)
        {
            return Failed(null, "the file is empty");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions
            {
                MaxDepth = MaxDepth,
                CommentHandling = JsonCommentHandling.Disallow,
                AllowTrailingCommas = false,
                AllowDuplicateProperties = false,
            });
        }
        catch (JsonException ex)
        {
            return Failed(null, $"the file is not valid JSON: {ex.Message}");
        }
        catch (InvalidOperationException ex)
        {
            // The duplicate-key check unescapes keys, and refuses an escaped unpaired surrogate (\ud800) in one.
            return Failed(null, $"the file is not valid JSON text: a key is not valid Unicode ({ex.Message})");
        }

        using (document)
        {
            return Read(document.RootElement);
        }
    }

    private static ScanParseResult Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Failed(null, $"{Neither}the top level is {ScanJson.Describe(root)}, not an object");
        }

        ScanFormat? format = null;
        try
        {
            if (SarifClaim(root) is { } claim)
            {
                format = ScanFormat.Sarif;
                return claim.Length > 0 ? Failed(format, claim) : ScanParseResult.Parsed(SarifReader.Read(root));
            }

            if (root.TryGetProperty("runs", out var runs))
            {
                return Failed(null, $"{Neither}it has a 'runs' key ({ScanJson.Describe(runs)}) but no \"version\": \"2.1.0\" and no SARIF \"$schema\"");
            }

            if (root.TryGetProperty("results", out var results))
            {
                if (!SemgrepKeys.Any(key => root.TryGetProperty(key, out _)))
                {
                    return Failed(null, $"{Neither}it has a 'results' key but none of 'errors', 'version' and 'paths', which Semgrep --json always writes");
                }

                if (results.ValueKind != JsonValueKind.Array)
                {
                    return Failed(ScanFormat.SemgrepJson, $"results: expected an array, found {ScanJson.Describe(results)}");
                }

                format = ScanFormat.SemgrepJson;
                return ScanParseResult.Parsed(SemgrepJsonReader.Read(root));
            }

            return Failed(null, $"{Neither}the top-level object has no 'runs' (SARIF) and no 'results' (Semgrep JSON) key");
        }
        catch (ScanFormatException ex)
        {
            return Failed(format, ex.Message);
        }
        catch (InvalidOperationException)
        {
            // Needed strings are read through ScanJson.Text, which names the path; this catches the same problem
            // (an escaped unpaired surrogate, which JsonElement refuses to turn into text) anywhere else, e.g. in a key.
            return Failed(format, "a string in the file is not valid Unicode text (an unpaired surrogate escape)");
        }
    }

    /// <summary>
    /// Null when the file does not claim to be SARIF; empty when it is SARIF 2.1.0; otherwise why it is unusable SARIF.
    /// </summary>
    private static string? SarifClaim(JsonElement root)
    {
        var version = ScanJson.Optional(root, "version");
        var schema = ScanJson.Optional(root, "$schema");
        var schemaSaysSarif = schema is { ValueKind: JsonValueKind.String } s && s.GetRawText().Contains("sarif", StringComparison.OrdinalIgnoreCase);
        var hasRuns = root.TryGetProperty("runs", out _);
        if (!schemaSaysSarif && !(hasRuns && version is { } v && IsVersion210(v)))
        {
            return null;
        }

        if (version is { } present && !IsVersion210(present))
        {
            return $"version: {ScanJson.Describe(present)} is not supported; FinGuard reads SARIF 2.1.0";
        }

        return string.Empty;
    }

    /// <summary>Compares the raw token, so an odd escape in the value can neither match nor throw.</summary>
    private static bool IsVersion210(JsonElement version) =>
        version.ValueKind == JsonValueKind.String && version.GetRawText() == "\"2.1.0\"";

    private static int FirstInvalidUtf8Byte(ReadOnlySpan<byte> utf8)
    {
        var index = 0;
        while (index < utf8.Length)
        {
            if (Rune.DecodeFromUtf8(utf8[index..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return index;
            }

            index += consumed;
        }

        return index;
    }

    private static ScanParseResult Failed(ScanFormat? format, string message) =>
        ScanParseResult.Failed(new ScanFormatError(format, message));
}
