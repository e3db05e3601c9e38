using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using System.Text.Unicode;

namespace FinGuard.Core.Policy.Yaml;

/// <summary>
/// Reads a FinGuard policy file (<c>.github/finguard.yml</c>, or the organisation's <c>finguard.yml</c>) strictly:
/// unknown keys, wrong types, impossible values and risky YAML (anchors, aliases, tags, several documents, files over
/// <see cref="MaxFileBytes"/>) are all problems with a line and column. It never throws on any input: the result
/// holds either a document or the problems. The format is described in docs/policy.md.
/// </summary>
/// <remarks>
/// Adding a section: a <see cref="PolicySection"/> record with <c>Read</c> and <c>Resolve</c> (see
/// <see cref="SignedCommitsSection"/>; <c>Resolve</c> hands its <c>Apply</c> and how an enforced section may be
/// strengthened to <see cref="EnforcedMerge.Resolve{TPolicy, TSection}"/>), one property on <see cref="PolicyDocument"/>, one line in
/// <see cref="ReadDocument"/> and one in <see cref="PolicyResolver.Resolve"/>.
/// </remarks>
public static class PolicyFileParser
{
    /// <summary>Largest policy file read (256 KiB); real ones are well under 4 KiB.</summary>
    public const int MaxFileBytes = 256 * 1024;

    /// <summary>Where a repository's policy lives, relative to its root.</summary>
    public const string RepositoryFilePath = ".github/finguard.yml";

    /// <summary>The organisation repository whose default branch holds the organisation's policy.</summary>
    public const string OrganisationRepositoryName = ".github";

    /// <summary>Where the organisation's policy lives in <see cref="OrganisationRepositoryName"/>.</summary>
    public const string OrganisationFilePath = "finguard.yml";

    /// <summary>Most '[' and '{' characters a file may hold (see <see cref="TooManyFlowBrackets"/>).</summary>
    public const int MaxFlowBrackets = 1000;

    private static readonly PolicyProblem TooLarge = new(
        1, 1, $"the file is larger than {MaxFileBytes / 1024} KiB ({MaxFileBytes} bytes), the limit for policy files");

    /// <summary>Parses a file's raw bytes, which must be UTF-8 (a byte-order mark is allowed).</summary>
    public static PolicyParseResult Parse(ReadOnlySpan<byte> utf8, PolicyFileKind kind)
    {
        if (utf8.Length > MaxFileBytes)
        {
            return Failed(TooLarge);
        }

        if (utf8.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || utf8.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return Failed(new PolicyProblem(1, 1, "the file is UTF-16; save it as UTF-8"));
        }

        if (utf8.StartsWith("\uFEFF"u8))
        {
            utf8 = utf8[3..];
        }

        var chars = new char[utf8.Length];
        var status = Utf8.ToUtf16(utf8, chars, out var bytesRead, out var charsWritten, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            var before = chars.AsSpan(0, charsWritten);
            var line = before.Count('\n') + 1;
            var column = charsWritten - (before.LastIndexOf('\n') + 1) + 1;
            return Failed(new PolicyProblem(line, column, $"the file is not valid UTF-8 (byte {bytesRead + 1} of the text); save it as UTF-8"));
        }

        return ParseText(new string(chars, 0, charsWritten), kind);
    }

    /// <summary>Parses a file's text.</summary>
    public static PolicyParseResult Parse(string text, PolicyFileKind kind)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxFileBytes || Encoding.UTF8.GetByteCount(text) > MaxFileBytes)
        {
            return Failed(TooLarge);
        }

        return ParseText(text.StartsWith('\uFEFF') ? text[1..] : text, kind);
    }

    private static PolicyParseResult ParseText(string text, PolicyFileKind kind)
    {
        if (TooManyFlowBrackets(text) is { } refused)
        {
            return Failed(refused);
        }

        var problems = new List<PolicyProblem>();
        PolicyDocument? document = null;
        try
        {
            if (YamlTreeReader.Read(text, problems) is { } root)
            {
                document = ReadDocument(root, kind, problems);
            }
        }
#pragma warning disable CA1031 // Untrusted input: whatever the YAML library throws becomes a problem, never a crash of the caller.
        catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            problems.Add(new PolicyProblem(1, 1, $"the file could not be read as YAML ({ex.GetType().Name}: {ex.Message})"));
        }

        return problems.Count == 0
            ? new PolicyParseResult { Problems = [], Document = document }
            : new PolicyParseResult { Problems = [.. problems.OrderBy(p => p.Line).ThenBy(p => p.Column)] };
    }

    private static PolicyDocument? ReadDocument(YamlNode root, PolicyFileKind kind, List<PolicyProblem> problems)
    {
        if (root is ScalarNode { IsNull: true })
        {
            problems.Add(new PolicyProblem(1, 1, "the file has no settings; a policy file starts with 'version: 1'"));
            return null;
        }

        if (root is not MappingNode mapping)
        {
            if (root is not ReportedNode)
            {
                problems.Add(new PolicyProblem(
                    root.Line,
                    root.Column,
                    $"the top level must be 'key: value' settings (version, branches, {SignedCommitsSection.Key}, {SeparationOfDutiesSection.Key}), got {root.Description}"));
            }

            return null;
        }

        var reader = new PolicyMappingReader(mapping, path: string.Empty, problems);
        if (!ReadVersion(reader, mapping, problems))
        {
            return null;
        }

        var document = new PolicyDocument
        {
            Kind = kind,
            Branches = reader.List<string>(
                "branches",
                PolicyValueSyntax.Branch,
                PolicyValueSyntax.BranchComparer,
                whenEmpty: $"cannot be empty: FinGuard would check no pull request; list at least {FinGuardPolicy.DefaultBranchToken}"),
            SignedCommits = reader.Section(SignedCommitsSection.Key, r => SignedCommitsSection.Read(r, kind)),
            SeparationOfDuties = reader.Section(SeparationOfDutiesSection.Key, r => SeparationOfDutiesSection.Read(r, kind)),
            ScanStatus = reader.Section(ScanStatusSection.Key, r => ScanStatusSection.Read(r, kind)),
            FreezeWindow = reader.Section(FreezeWindowSection.Key, r => FreezeWindowSection.Read(r, kind)),
            Deployments = reader.Section(DeploymentsSection.Key, r => DeploymentsSection.Read(r, kind)),
        };
        reader.ReportUnknownKeys();
        return document;
    }

    /// <summary>
    /// Checks <c>version</c>. False when the file is for another version: its other keys are then not checked, since
    /// they may be valid in that version.
    /// </summary>
    private static bool ReadVersion(PolicyMappingReader reader, MappingNode mapping, List<PolicyProblem> problems)
    {
        switch (reader.Find("version")?.Value)
        {
            case null:
                problems.Add(new PolicyProblem(mapping.Line, mapping.Column, $"version: missing; add 'version: {PolicyDocument.CurrentVersion}' at the top of the file"));
                return true;
            case ReportedNode:
                return true;
            case ScalarNode scalar when scalar.TryGetInteger(out var version):
                if (version == PolicyDocument.CurrentVersion)
                {
                    return true;
                }

                problems.Add(new PolicyProblem(
                    scalar.Line,
                    scalar.Column,
                    $"version: this FinGuard reads version {PolicyDocument.CurrentVersion} policy files, not version {version}"));
                return false;
            case var other:
                problems.Add(new PolicyProblem(other.Line, other.Column, $"version: expected {PolicyDocument.CurrentVersion}, got {other.Description}"));
                return true;
        }
    }

    /// <summary>
    /// YamlDotNet's scanner spends time proportional to the flow nesting depth on each '[' or '{', so a file of
    /// 256 KiB of '[' takes minutes. Every flow collection opens with one of those characters, so capping how many
    /// the text holds at all (in comments and quotes too: no context is trusted) bounds that cost; real policy files
    /// have a handful.
    /// </summary>
    private static PolicyProblem? TooManyFlowBrackets(string text)
    {
        var count = 0;
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '\n':
                    line++;
                    lineStart = i + 1;
                    break;
                case '[' or '{' when ++count > MaxFlowBrackets:
                    return new PolicyProblem(
                        line,
                        i - lineStart + 1,
                        $"the file has more than {MaxFlowBrackets} '[' and '{{' characters; a policy file needs a handful (write long lists one '- entry' per line)");
            }
        }

        return null;
    }

    private static PolicyParseResult Failed(PolicyProblem problem) => new() { Problems = ImmutableArray.Create(problem) };
}
