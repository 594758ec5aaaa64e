<?php
/**
 * WHMCS's module log, with every password and the webhook secret masked
 * before WHMCS sees the text (and again by WHMCS through $replaceVars).
 */

namespace KaziWhmcs;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * The secrets of one call: the service and reseller passwords, the webhook secret.
 */
function secrets_of(array $params, ?array $config): array
{
    $secrets = [
        text_value($params['password'] ?? null),
        text_value($params['serverpassword'] ?? null),
        $config['webhook_secret'] ?? null,
    ];
    $secrets = array_values(array_unique(array_filter($secrets, function ($secret) {
        return is_string($secret) && $secret !== '';
    })));
    // Longest first, so a secret containing another is masked whole.
    usort($secrets, function ($a, $b) {
        return strlen($b) - strlen($a);
    });
    return $secrets;
}

/**
 * The text with each secret replaced, also in its JSON-escaped and URL-encoded forms.
 */
function mask_text(string $text, array $secrets): string
{
    foreach ($secrets as $secret) {
        $forms = [$secret, substr((string) json_encode($secret, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), 1, -1),
            substr((string) json_encode($secret), 1, -1), rawurlencode($secret), urlencode($secret)];
        foreach (array_unique($forms) as $form) {
            if ($form !== '') {
                $text = str_replace($form, MASK, $text);
            }
        }
    }
    return $text;
}

/**
 * A copy of an array with the password fields masked and every string masked.
 */
function mask_data($data, array $secrets)
{
    if (is_string($data)) {
        return mask_text($data, $secrets);
    }
    if (!is_array($data)) {
        return $data;
    }
    $masked = [];
    foreach ($data as $key => $value) {
        $isSecret = in_array((string) $key, ['password', 'serverpassword', 'webhook_secret', 'sig'], true);
        $masked[$key] = $isSecret && $value !== null && $value !== '' ? MASK : mask_data($value, $secrets);
    }
    return $masked;
}

function log_call(string $action, $request, $response, $processed, array $secrets): void
{
    if (!function_exists('logModuleCall')) {
        return;
    }
    logModuleCall(
        'kaziwhmcs',
        $action,
        mask_data($request, $secrets),
        mask_data($response, $secrets),
        mask_data($processed, $secrets),
        $secrets
    );
}
