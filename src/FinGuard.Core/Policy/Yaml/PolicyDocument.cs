using System.Collections.Immutable;

namespace FinGuard.Core.Policy.Yaml;

/// <summary>
/// A valid policy file as written: only the settings the file sets explicitly are non-null, each with the
/// position of its key, so <see cref="PolicyResolver"/> can tell "not mentioned" from "set to the default value"
/// and name the line of a setting it had to overrule.
/// </summary>
public sealed record PolicyDocument
{
    /// <summary>The only <c>version</c> this FinGuard reads.</summary>
    public const int CurrentVersion = 1;

    public required PolicyFileKind Kind { get; init; }

    /// <summary><c>branches</c>: base-branch patterns (see <see cref="FinGuardPolicy.Branches"/>).</summary>
    public PolicySetting<ImmutableArray<string>>? Branches { get; init; }

    /// <summary><c>signed-commits</c>.</summary>
    public SignedCommitsSection? SignedCommits { get; init; }

    /// <summary><c>separation-of-duties</c>.</summary>
    public SeparationOfDutiesSection? SeparationOfDuties { get; init; }

    /// <summary><c>scan-status</c>.</summary>
    public ScanStatusSection? ScanStatus { get; init; }

    /// <summary><c>freeze-window</c>.</summary>
    public FreezeWindowSection? FreezeWindow { get; init; }

    /// <summary><c>deployments</c>.</summary>
    public DeploymentsSection? Deployments { get; init; }

    /// <summary>A document that sets nothing (what a repository without a file contributes).</summary>
    public static PolicyDocument Empty(PolicyFileKind kind) => new() { Kind = kind };
}

/// <summary>A value a policy file sets explicitly, with the 1-based position of its key.</summary>
public sealed record PolicySetting<T>(T Value, int Line, int Column);

/// <summary>
/// What every section of a policy file has: its position and, in the organisation file only, <c>enforced</c>.
/// A section is one class deriving from this: its settings, how it is read (<c>Read</c>) and how an organisation's
/// and a repository's copies combine (<c>Resolve</c>).
/// </summary>
public abstract record PolicySection
{
    /// <summary>Key that names the <c>enforced</c> setting in every section.</summary>
    public const string EnforcedKey = "enforced";

    public required int Line { get; init; }

    public required int Column { get; init; }

    /// <summary><c>enforced</c>; always null in a repository file (where it is an error).</summary>
    public PolicySetting<bool>? Enforced { get; init; }

    /// <summary>Whether repositories may only strengthen this section.</summary>
    public bool IsEnforced => Enforced?.Value == true;

    /// <summary>Reads <c>enforced</c>, which only an organisation file may contain.</summary>
    private protected static PolicySetting<bool>? ReadEnforced(PolicyMappingReader reader, PolicyFileKind kind)
    {
        var enforced = reader.Boolean(EnforcedKey);
        if (enforced is null || kind == PolicyFileKind.Organisation)
        {
            return enforced;
        }

        reader.Report(
            enforced.Line,
            enforced.Column,
            reader.PathOf(EnforcedKey),
            "only the organisation's policy file (finguard.yml in the organisation's .github repository) can enforce a section; remove this line from the repository file");
        return null;
    }
}
