using System.ComponentModel.DataAnnotations;

namespace FinGuard.Storage;

/// <summary>
/// Where evidence and deliveries are stored. With <see cref="ConnectionString"/>, or with both service URIs
/// (managed identity through <c>DefaultAzureCredential</c>), Azure Blob and Table storage is used; otherwise a
/// local folder (<see cref="LocalPath"/>), for development and single-node use.
/// </summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>An Azure Storage connection string. Never logged.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Blob endpoint for managed identity, e.g. <c>https://account.blob.core.windows.net</c>.</summary>
    public Uri? BlobServiceUri { get; set; }

    /// <summary>Table endpoint for managed identity, e.g. <c>https://account.table.core.windows.net</c>.</summary>
    public Uri? TableServiceUri { get; set; }

    /// <summary>Queue endpoint for managed identity, e.g. <c>https://account.queue.core.windows.net</c> (queue dispatch only).</summary>
    public Uri? QueueServiceUri { get; set; }

    /// <summary>Root folder of the local backend.</summary>
    [Required]
    public string LocalPath { get; set; } = "./.finguard";

    /// <summary>Blob container of evidence records; make it immutable (WORM) in production.</summary>
    [Required]
    [RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$", ErrorMessage = "Not a valid blob container name.")]
    public string EvidenceContainer { get; set; } = "evidence";

    /// <summary>Blob container of raw delivery bodies.</summary>
    [Required]
    [RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$", ErrorMessage = "Not a valid blob container name.")]
    public string DeliveriesContainer { get; set; } = "deliveries";

    /// <summary>Prefix of every table name (<c>{prefix}EvidenceIndex</c>, ...), to share one account between environments.</summary>
    [RegularExpression("^([A-Za-z][A-Za-z0-9]{0,29})?$", ErrorMessage = "A table prefix is a letter followed by up to 29 letters or digits.")]
    public string TablePrefix { get; set; } = "";

    /// <summary>True when Azure storage is configured.</summary>
    public bool UsesAzure => !string.IsNullOrWhiteSpace(ConnectionString) || BlobServiceUri is not null || TableServiceUri is not null;
}
