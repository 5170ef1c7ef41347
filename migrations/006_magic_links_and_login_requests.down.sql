DROP TABLE login_requests;
DROP TABLE magic_link_redemptions;
