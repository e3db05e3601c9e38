// Development: short, UNLOCKED retention (the policy can still be removed), locally redundant storage, no purge
// protection, so a dev environment can be torn down and rebuilt.
using 'main.bicep'

param environmentName = 'dev'
param finGuardMode = 'development'
param evidenceRetentionDays = 1
param evidenceImmutabilityState = 'Unlocked'
param dataStorageSku = 'Standard_LRS'
param keyVaultSoftDeleteDays = 7
param keyVaultPurgeProtection = false
param logRetentionDays = 30
param maximumInstanceCount = 40
param githubAppId = readEnvironmentVariable('FINGUARD_GITHUB_APP_ID', '')
param alertEmail = readEnvironmentVariable('FINGUARD_ALERT_EMAIL', '')
param vaultOperatorObjectId = readEnvironmentVariable('FINGUARD_VAULT_OPERATOR_ID', '')
