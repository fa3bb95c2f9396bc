// The app's secrets: tenant API keys and agent-token signing keys. The function app reads them through Key Vault
// references (app settings '@Microsoft.KeyVault(SecretUri=...)', resolved with its user-assigned identity), so the
// values never appear in the site's configuration. RBAC authorization; public network access stays on because
// Flex Consumption cannot resolve references against a network-restricted vault.
// The values come from secure deployment parameters: the template is the source of truth, and a deployment with
// new values is how keys rotate (see README "Deploy to Azure").

@description('Key Vault name (3-24 letters, digits and dashes).')
param name string

@description('Region.')
param location string

@description('Tags for the resources.')
param tags object

@description('Secret name for the first tenant\'s API keys.')
param tenantKeysSecretName string

@description('The first tenant\'s API keys, \';\'-separated.')
@secure()
param tenantKeys string

@description('Secret name for the agent-token signing keys.')
param tokenSigningKeysSecretName string

@description('Agent-token signing keys \'keyId:secret;keyId:secret\'.')
@secure()
param tokenSigningKeys string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource tenantKeysSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: tenantKeysSecretName
  properties: {
    value: tenantKeys
    contentType: 'text/plain'
  }
}

resource tokenSigningKeysSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: tokenSigningKeysSecretName
  properties: {
    value: tokenSigningKeys
    contentType: 'text/plain'
  }
}

output id string = vault.id
output name string = vault.name
// Versioned URIs: a new value makes a new version, which changes the app setting, which restarts the app on the new
// keys at once (an unversioned reference would be picked up only within 24 hours).
output tenantKeysSecretUri string = tenantKeysSecret.properties.secretUriWithVersion
output tokenSigningKeysSecretUri string = tokenSigningKeysSecret.properties.secretUriWithVersion
