import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** A throw-away self-signed certificate for 127.0.0.1 and localhost, made with openssl in `dir`. */
export function selfSignedCertificate(dir: string): { cert: Buffer; key: Buffer; certFile: string } {
	const certFile = path.join(dir, 'cert.pem');
	const keyFile = path.join(dir, 'key.pem');
	execFileSync(
		'openssl',
		[
			'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
			'-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
			'-keyout', keyFile, '-out', certFile,
		],
		{ stdio: 'ignore' },
	);
	return { cert: readFileSync(certFile), key: readFileSync(keyFile), certFile };
}
