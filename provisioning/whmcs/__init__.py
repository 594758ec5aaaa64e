"""What WHMCS sends and reads: the signed webhook, its intake and mirror, the
status and service endpoints, one-time panel-login tickets."""
