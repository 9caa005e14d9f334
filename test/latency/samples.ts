/** Realistic log lines for the format tests. */

/** The HTTP example entry of the AWS ALB access-log documentation ("Example log entries"). */
export const ALB_DOC_HTTP =
  'http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-"';

/** The HTTPS example entry of the same page. */
export const ALB_DOC_HTTPS =
  'https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-"';

/** A request the ALB could not dispatch (no target, -1 times, 460: the client closed the connection). */
export const ALB_NO_TARGET =
  'http 2019-10-11T15:01:12.376735Z app/test-lb/c86a326e7dc14222 81.2.69.193:56398 - -1 -1 -1 460 - 125 0 "GET http://test-lb-12030537.eu-central-1.elb.amazonaws.com:80/ HTTP/1.1" "curl/7.58.0" - - arn:aws:elasticloadbalancing:eu-central-1:627959692251:targetgroup/test-lb-instances/8f04c4fe71f5f794 "Root=1-5da09932-2c342a443bfb96249aa50ed7" "-" "-" 0 2019-10-11T15:01:06.657000Z "forward" "-" "-"';

/** The Classic ELB access-log documentation's HTTPS example. */
export const ELB_DOC =
  '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE-RSA-AES128-SHA TLSv1.2';

/** The Classic ELB documentation's TCP example: times of a TCP listener, request and status fields "-". */
export const ELB_DOC_TCP = '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001069 0.000028 0.000041 - - 82 305 "- - - " "-" - -';

/** The HTTP log example of the HAProxy configuration manual (section 8.2.3). */
export const HAPROXY_DOC =
  'Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"';

/** HAProxy with `option logasap`: Ta is logged as +Ta. */
export const HAPROXY_LOGASAP =
  'Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 9/0/7/14/+30 200 +243 - - ---- 3/3/3/1/0 0/0 "GET /image.iso HTTP/1.0"';

/** HAProxy: the client aborted before the server answered (Tr -1), Ta still counts. */
export const HAPROXY_ABORTED =
  'Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in~ static/srv1 10/0/30/-1/2345 400 0 - - CH-- 1/1/1/1/0 0/0 "GET /index.html HTTP/1.1"';

/** HAProxy TCP log (option tcplog): three timers Tw/Tc/Tt, not an HTTP log. */
export const HAPROXY_TCP =
  'Feb  6 12:12:56 localhost haproxy[14387]: 10.0.1.2:33313 [06/Feb/2009:12:12:51.443] fnt bck/srv1 0/0/5007 212 -- 0/0/0/0/3 0/0';

/** nginx with the log_format docs/timeouts.md documents: combined plus $request_time last. */
export const NGINX_TIMED = '203.0.113.7 - - [22/Nov/2026:10:00:00 +0000] "GET /api/items/42 HTTP/1.1" 200 512 "-" "curl/8.4.0" 0.245';

/** nginx key=value log_format. */
export const NGINX_KV = 'time=2026-11-22T10:00:00+00:00 client=203.0.113.7 method=GET uri=/api/items/42 status=200 request_time=1.250 upstream_response_time="1.248"';
