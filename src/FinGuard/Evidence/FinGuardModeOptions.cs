using System.ComponentModel.DataAnnotations;

namespace FinGuard.Evidence;

/// <summary>The two evidence modes a record can state.</summary>
public static class EvidenceModes
{
    /// <summary>Evidence on storage whose immutability was not verified (any local folder; Azure in development mode).</summary>
    public const string Development = "development";

    /// <summary>Evidence on Azure Blob storage whose write-once protection was verified at start-up.</summary>
    public const string Production = "production";
}

/// <summary>
/// <c>FinGuard:Mode</c>: <c>development</c> (default) or <c>production</c>. In production FinGuard refuses to start unless
/// evidence goes to Azure Blob storage whose container is verified write-once (<see cref="EvidenceModeStartupCheck"/>);
/// in development every record states <c>"mode": "development"</c>.
/// </summary>
public sealed class FinGuardModeOptions
{
    public const string SectionName = "FinGuard";

    [Required]
    [RegularExpression("^(?i:development|production)$", ErrorMessage = "FinGuard:Mode must be 'development' or 'production'.")]
    public string Mode { get; set; } = EvidenceModes.Development;

    public bool IsProduction => string.Equals(Mode, EvidenceModes.Production, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// The mode the records of this process state. It starts as <c>development</c> and becomes <c>production</c> only when
/// the start-up check has verified the evidence container, so a record can never claim more than was verified.
/// </summary>
public sealed class EvidenceModeState
{
    private volatile string _current = EvidenceModes.Development;

    /// <summary><see cref="EvidenceModes.Development"/> or <see cref="EvidenceModes.Production"/>.</summary>
    public string Current => _current;

    /// <summary>The verification that allowed production mode, or null in development.</summary>
    public Storage.Azure.EvidenceImmutabilityReport? Verification { get; private set; }

    internal void EnterProduction(Storage.Azure.EvidenceImmutabilityReport verification)
    {
        ArgumentNullException.ThrowIfNull(verification);
        if (!verification.Immutable)
        {
            throw new InvalidOperationException("Production mode needs a verified write-once evidence container.");
        }

        Verification = verification;
        _current = EvidenceModes.Production;
    }
}
