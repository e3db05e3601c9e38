// Production: LOCKED time-based retention of every evidence version (can be extended, never shortened or removed;
// the storage account cannot be deleted while versions are retained), geo-zone-redundant storage, Key Vault purge
// protection. Azure only creates an immutability policy Unlocked, so the very first deployment of a new account sets
// FINGUARD_EVIDENCE_IMMUTABILITY=Unlocked, and a later deployment without it locks the policy (docs/install.md).
// Deployment-specific values come from environment variables (FINGUARD_*), so this file stays generic.
using 'main.bicep'

param environmentName = 'prod'
param finGuardMode = 'production'
param evidenceRetentionDays = 2555
param evidenceImmutabilityState = readEnvironmentVariable('FINGUARD_EVIDENCE_IMMUTABILITY', 'Locked')
param dataStorageSku = 'Standard_GZRS'
param keyVaultSoftDeleteDays = 90
param keyVaultPurgeProtection = true
param logRetentionDays = 365
param maximumInstanceCount = 100
param githubAppId = readEnvironmentVariable('FINGUARD_GITHUB_APP_ID', '')
param alertEmail = readEnvironmentVariable('FINGUARD_ALERT_EMAIL', '')
param vaultOperatorObjectId = readEnvironmentVariable('FINGUARD_VAULT_OPERATOR_ID', '')
